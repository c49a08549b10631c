//! One synthetic study (the default leak, the quick configuration), run once and shared by
//! every test that reads a whole run's records.

use std::sync::OnceLock;

use data::synth::{SynthConfig, generate};
use experiments::{Config, Outputs, Runtime, Silent, Source, run_all};

/// The run, computed on first use.
pub fn outputs() -> &'static Outputs {
    static OUT: OnceLock<Outputs> = OnceLock::new();
    OUT.get_or_init(|| {
        let (train, test) = generate(&SynthConfig::new(3_000, 600, 11)).unwrap();
        run_all(
            &train,
            &test,
            Source::Synthetic,
            &Config::quick(11),
            &Runtime::default(),
            &mut Silent,
        )
        .unwrap()
    })
}
