//! Progress on stderr: on a terminal, an `indicatif` line per step (a spinner with the
//! elapsed time, which becomes a bar with the time left once the step reports how much of
//! it is done); otherwise plain timestamped lines, so logs stay readable and hold nothing
//! of the bar; nothing with `--quiet`.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A step without a known size: what it is and how long it has run.
const SPINNER: &str = "[{elapsed_precise}] {spinner} {msg}";
/// A step that reports `done` of `total`: a bar, the count and the time left.
/// The estimate (the prefix) is this step's time so far per unit done, times the units left:
/// indicatif's own rate estimate swings wildly when units take minutes each.
const BAR: &str = "[{elapsed_precise}] {msg} [{bar:30}] {pos}/{len}, {prefix}";
/// The same before the first unit is done, when no estimate exists yet.
const BAR_START: &str = "[{elapsed_precise}] {spinner} {msg} [{bar:30}] {pos}/{len}";

/// Reports each step with the time since the run began.
#[derive(Debug)]
pub struct Stderr {
    quiet: bool,
    start: Instant,
    /// The current step's bar and when the step began, on a terminal only.
    bar: Option<(ProgressBar, Instant)>,
    terminal: bool,
}

impl Stderr {
    pub fn new(quiet: bool) -> Self {
        Stderr {
            quiet,
            start: Instant::now(),
            bar: None,
            terminal: std::io::stderr().is_terminal(),
        }
    }

    /// Ends the current step's bar, leaving its last line on the screen.
    pub fn finish(&mut self) {
        if let Some((bar, _)) = self.bar.take() {
            bar.finish();
        }
    }

    /// A message that must stay visible (not overwritten).
    pub fn note(&mut self, text: &str) {
        if !self.quiet {
            self.finish();
            eprintln!("{text}");
        }
    }
}

impl experiments::Progress for Stderr {
    fn step(&mut self, what: &str) {
        if self.quiet {
            return;
        }
        self.finish();
        if self.terminal {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
                .with_style(style(SPINNER))
                .with_message(what.to_owned())
                .with_elapsed(self.start.elapsed());
            bar.enable_steady_tick(Duration::from_millis(120));
            self.bar = Some((bar, Instant::now()));
        } else {
            let t = self.start.elapsed().as_secs_f64();
            let _ = writeln!(std::io::stderr().lock(), "[{t:6.1} s] {what}");
        }
    }

    fn advance(&mut self, done: usize, total: usize) {
        let Some((bar, began)) = &self.bar else {
            return;
        };
        if bar.length() != Some(total as u64) {
            bar.set_style(style(BAR_START));
            bar.set_length(total as u64);
        }
        if done > 0 && bar.position() == 0 {
            bar.set_style(style(BAR));
        }
        if done > 0 {
            let per_unit = began.elapsed().as_secs_f64() / done as f64;
            let left = per_unit * total.saturating_sub(done) as f64;
            bar.set_prefix(format!(
                "about {} left",
                indicatif::HumanDuration(Duration::from_secs_f64(left))
            ));
        }
        bar.set_position(done as u64);
    }
}

/// A bar style from one of the templates above (they are constants, so they parse).
fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
        .progress_chars("=> ")
}
