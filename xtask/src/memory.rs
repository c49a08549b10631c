//! Refusing requests whose memory would exceed the machine before allocating anything, so
//! that a large `--rows` is a one-line error with the figure instead of an abort.

/// What to assume when `/proc/meminfo` cannot be read (not Linux, a sandbox): 8 GiB.
pub const FALLBACK_AVAILABLE: u64 = 8 << 30;

/// Bytes the kernel says can be allocated without swapping (`MemAvailable`), or
/// [`FALLBACK_AVAILABLE`] when unknown.
pub fn available() -> (u64, &'static str) {
    let from_proc = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| mem_available(&text));
    match from_proc {
        Some(bytes) => (bytes, "MemAvailable in /proc/meminfo"),
        None => (
            FALLBACK_AVAILABLE,
            "the 8 GiB assumed when /proc/meminfo is unreadable",
        ),
    }
}

/// The `MemAvailable:` line of `/proc/meminfo`, in bytes.
fn mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let mut words = line.split_whitespace().skip(1);
    let value: u64 = words.next()?.parse().ok()?;
    let unit = match words.next() {
        Some("kB") => 1024,
        None => 1,
        Some(_) => return None,
    };
    value.checked_mul(unit)
}

/// `Err` with the figure when `rows × bytes_per_row + fixed` exceeds the available memory.
pub fn check(what: &str, rows: usize, bytes_per_row: u64, fixed: u64) -> Result<(), String> {
    let needed = (rows as u64)
        .saturating_mul(bytes_per_row)
        .saturating_add(fixed);
    let (available, source) = available();
    if needed > available {
        return Err(format!(
            "{what}: {rows} rows need about {} of memory; {} is available ({source})",
            human(needed),
            human(available)
        ));
    }
    Ok(())
}

/// What is checked of a run before any work, from its input and settings: that the training
/// table can be learned from, that no count exceeds what the data can use, that its memory
/// fits the machine (the largest allocation named with the settings that size it), and —
/// said through `note`, not refused — when it asks for far more work than the default
/// study on the same data.
pub fn preflight(
    train: &data::Table,
    test: &data::Table,
    config: &experiments::Config,
    note: &mut dyn FnMut(&str),
) -> Result<(), String> {
    use experiments::budget;
    experiments::check_learnable(train, config).map_err(|e| e.to_string())?;
    experiments::check_width(train).map_err(|e| e.to_string())?;
    let input = budget::Input {
        train_rows: train.n_rows(),
        test_rows: test.n_rows(),
        width: experiments::input_width(train),
        classes: train.schema.n_classes,
    };
    budget::check_against_input(config, &input)?;
    let needed = budget::memory(config, &input);
    let (available, source) = available();
    if needed > available {
        let top = budget::allocations(config, &input).swap_remove(0);
        return Err(format!(
            "these settings need about {} of memory, {} of it for {}; {} is available ({source})",
            human(needed),
            human(top.bytes),
            top.what,
            human(available)
        ));
    }
    let ratio = budget::work(config, &input)
        / budget::work(&experiments::Config::full(config.seed), &input);
    if ratio > LONG_RUN {
        note(&format!(
            "note: these settings ask for about {ratio:.0} times the arithmetic of the default \
             study on this data; expect the run to take about that much longer"
        ));
    }
    Ok(())
}

/// How many times the default study's arithmetic a run may ask for before it is told.
const LONG_RUN: f64 = 10.0;

/// Bytes as `1.5 GiB`, `300.0 MiB`.
fn human(bytes: u64) -> String {
    let b = bytes as f64;
    let gib = b / f64::from(1u32 << 30);
    if gib >= 1024.0 {
        format!("{:.1} TiB", gib / 1024.0)
    } else if gib >= 1.0 {
        format!("{gib:.1} GiB")
    } else {
        format!("{:.1} MiB", b / f64::from(1u32 << 20))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_mem_available_in_bytes() {
        let text = "MemTotal:       24000000 kB\nMemFree:  1 kB\nMemAvailable:   2048 kB\n";
        assert_eq!(mem_available(text), Some(2 << 20));
        assert_eq!(mem_available("MemTotal: 5 kB\n"), None);
        assert_eq!(mem_available("MemAvailable: x kB\n"), None);
    }

    #[test]
    fn an_impossible_request_names_the_figure() {
        let e = check("synth", usize::MAX, 100, 0).unwrap_err();
        assert!(
            e.starts_with(&format!("synth: {} rows need about ", usize::MAX)),
            "{e}"
        );
        assert!(
            e.contains("iB of memory;") && e.contains(" is available ("),
            "{e}"
        );
        check("synth", 10, 100, 0).unwrap();
        assert_eq!(human(3 << 29), "1.5 GiB");
        assert_eq!(human(300 << 20), "300.0 MiB");
    }
}
