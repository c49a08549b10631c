//! Progress on stderr: one updating line on a terminal, plain lines otherwise (logs stay
//! readable), nothing with `--quiet`.

use std::io::{IsTerminal, Write};
use std::time::Instant;

/// Reports each step with the time since the run began.
#[derive(Debug)]
pub struct Stderr {
    quiet: bool,
    terminal: bool,
    start: Instant,
    steps: usize,
}

impl Stderr {
    pub fn new(quiet: bool) -> Self {
        Stderr {
            quiet,
            terminal: std::io::stderr().is_terminal(),
            start: Instant::now(),
            steps: 0,
        }
    }

    /// Ends the updating line, if any.
    pub fn finish(&mut self) {
        if !self.quiet && self.terminal && self.steps > 0 {
            eprintln!();
        }
    }

    /// A message that must stay visible (not overwritten).
    pub fn note(&mut self, text: &str) {
        if !self.quiet {
            self.finish();
            self.steps = 0;
            eprintln!("{text}");
        }
    }
}

impl experiments::Progress for Stderr {
    fn step(&mut self, what: &str) {
        if self.quiet {
            return;
        }
        self.steps += 1;
        let t = self.start.elapsed().as_secs_f64();
        let mut err = std::io::stderr().lock();
        if self.terminal {
            let _ = write!(err, "\r\x1b[2K[{t:6.1} s] {what}");
            let _ = err.flush();
        } else {
            let _ = writeln!(err, "[{t:6.1} s] {what}");
        }
    }
}
