//! Part B's saved models hold the weights its recorded accuracies and loss were measured
//! on: each protocol run's accuracies come back exactly from its model file alone, and its
//! loss to the last bits of summation order.

use data::Table;
use data::synth::{SynthConfig, generate};
use experiments::{
    Config, NamedModel, Part, PartB, PartRecord, Prepared, Runtime, Silent, run_part, split,
};
use models::LossOptions;
use models::file::ModelFile;

/// Part B alone on `train` and `test` with `config`: its record and its models.
pub(crate) fn run_part_b(
    train: &Table,
    test: &Table,
    config: &Config,
) -> (Box<PartB>, Vec<NamedModel>) {
    let (record, models) = run_part(
        Part::B,
        train,
        test,
        config,
        &Runtime::default(),
        &mut Silent,
    )
    .unwrap();
    let PartRecord::B(b) = record else {
        panic!("Part B returns its own record")
    };
    (b, models)
}

/// Part B alone on a synthetic table of `rows` training and `test_rows` test rows, the quick
/// study with `seed`: its record, its models, the prepared data it ran on and its config.
fn part_b_alone(
    rows: usize,
    test_rows: usize,
    seed: u64,
) -> (Box<PartB>, Vec<NamedModel>, Prepared, Config) {
    let (train, test) = generate(&SynthConfig::new(rows, test_rows, seed)).unwrap();
    let config = Config::quick(seed);
    let (b, models) = run_part_b(&train, &test, &config);
    let split = split(&train, &config).unwrap();
    let prepared = Prepared::new(&train, &test, &split, &Default::default()).unwrap();
    (b, models, prepared, config)
}

#[test]
fn each_saved_model_reproduces_its_recorded_accuracies_and_loss_exactly() {
    let (b, models, prepared, _) = part_b_alone(3_000, 600, 7);
    let (x, y) = (prepared.train.x.as_ref(), prepared.train.y.as_slice());
    let (xv, yv) = (
        prepared.validation.x.as_ref(),
        prepared.validation.y.as_slice(),
    );
    for run in [&b.relu, &b.sigmoid] {
        let name = format!("part_b_{}", run.activation.name());
        let model = models.iter().find(|m| m.name == name).unwrap();
        // Through the file's text, as a reader gets it.
        let text = serde_json::to_string(&model.file).unwrap();
        let file: ModelFile = serde_json::from_str(&text).unwrap();
        let mlp = file.to_mlp().unwrap();
        assert_eq!(
            mlp.accuracy(x, y).unwrap(),
            run.train_acc,
            "{name}: training accuracy"
        );
        assert_eq!(
            mlp.accuracy(xv, yv).unwrap(),
            run.val_acc,
            "{name}: validation accuracy"
        );
        // The recorded loss is the training pass's, summed per row block in the engine's
        // order; an evaluation sums the same terms in its own, so the last bits may differ.
        let loss = mlp.loss(x, y, &LossOptions::default()).unwrap();
        assert!(
            (loss - run.final_loss).abs() <= 1e-12 * run.final_loss.abs(),
            "{name}: training loss {loss} against the recorded {}",
            run.final_loss
        );
        // The model file's own forward (the one `predict` and outside readers use) agrees.
        let p = file.predict_proba(xv).unwrap();
        let correct = (0..p.nrows())
            .filter(|&i| {
                let best = (0..p.ncols()).fold(0, |b, c| if p[(i, c)] > p[(i, b)] { c } else { b });
                best == yv[i]
            })
            .count();
        assert_eq!(correct as f64 / yv.len() as f64, run.val_acc, "{name}");
    }
}

/// The protocol runs are taken from the bands' first runs (the protocol seed at the study's
/// setting) rather than trained again: they must be exactly what a run of their own gives,
/// history and weights.
#[test]
fn the_protocol_runs_are_those_a_run_of_their_own_gives() {
    let (b, models, prepared, config) = part_b_alone(2_000, 400, 11);
    let p = &config.part_b;
    let cfg = experiments::part_b::train_config(p, p.learning_rate, p.iterations, 1);
    for run in [&b.relu, &b.sigmoid] {
        let (mlp, history) = experiments::part_b::train_mlp(
            &prepared,
            &p.hidden,
            run.activation,
            &cfg,
            models::Init::Study,
            config.seed,
        )
        .unwrap();
        assert_eq!(history.len(), p.iterations);
        assert_eq!(run.history, history, "{:?}: history", run.activation);
        let name = format!("part_b_{}", run.activation.name());
        let model = models.iter().find(|m| m.name == name).unwrap();
        assert_eq!(model.file.to_mlp().unwrap(), mlp, "{name}: weights");
    }
}

/// The protocol trains its three runs side by side, one thread each: its record is the
/// same bits whatever the runtime's threads, and its Part B accuracies are the study's
/// own runs' last records.
#[test]
fn the_protocol_is_the_same_on_any_number_of_threads() {
    let (b, _, _, config) = part_b_alone(2_000, 400, 11);
    let (train, test) = generate(&SynthConfig::new(2_000, 400, 11)).unwrap();
    let run = |threads| {
        experiments::protocol::run_protocol(
            &train,
            &test,
            &config,
            &experiments::Runtime::with_threads(threads),
            &mut experiments::Silent,
        )
        .unwrap()
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_eq!(one, run(3));
    for (got, want) in [(one.relu, &b.relu), (one.sigmoid, &b.sigmoid)] {
        let last = want.history.last().unwrap();
        assert_eq!(
            (got.train, got.validation),
            (last.train_acc, last.val_acc),
            "{:?}",
            want.activation
        );
    }
}
