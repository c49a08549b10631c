//! Question 2's saved models hold the weights its recorded numbers were measured on: the
//! loss and validation accuracy of the run each file is saved from come back exactly from
//! the file alone.

use data::synth::{SynthConfig, generate};
use experiments::q2::Q2;
use experiments::{Config, Part, PartRecord, Prepared, Runtime, Silent, run_part, split};
use models::file::ModelFile;

#[test]
fn each_saved_model_reproduces_its_recorded_loss_and_accuracy_exactly() {
    let (train, test) = generate(&SynthConfig::new(3_000, 600, 7)).unwrap();
    let config = Config::quick(7);
    let (record, models) = run_part(
        Part::Q2,
        &train,
        &test,
        &config,
        &Runtime::default(),
        &mut Silent,
    )
    .unwrap();
    let PartRecord::Q2(q2) = record else {
        panic!("Question 2 returns its own record")
    };
    let q2: &Q2 = &q2;
    let split = split(&train, &config).unwrap();
    let prepared = Prepared::new(&train, &test, &split, &Default::default()).unwrap();
    let (x, y) = (prepared.train.x.as_ref(), prepared.train.y.as_slice());
    let (xv, yv) = (
        prepared.validation.x.as_ref(),
        prepared.validation.y.as_slice(),
    );
    for mode in ["shared", "independent"] {
        let model = models
            .iter()
            .find(|m| m.name == format!("q2_{mode}"))
            .unwrap_or_else(|| panic!("no {mode} model"));
        // Through the file's text, as a reader gets it.
        let text = serde_json::to_string(&model.file).unwrap();
        let file: ModelFile = serde_json::from_str(&text).unwrap();
        let net = file.to_bias_net().unwrap();
        let cell = q2
            .cells
            .iter()
            .find(|c| c.mode == mode && c.learning_rate == config.q2.base_learning_rate)
            .unwrap();
        // The model is seed 0's run at the base rate.
        let run = &cell.runs[0];
        assert!(run.iterations > 1, "{mode}: the run trained");
        assert_eq!(
            net.loss(x, y).to_bits(),
            run.final_loss.to_bits(),
            "{mode}: training loss"
        );
        assert_eq!(
            net.accuracy(xv, yv),
            run.val_acc,
            "{mode}: validation accuracy"
        );
        // The model file's own forward (the one `predict` and outside readers use) agrees.
        let p = file.predict_proba(xv).unwrap();
        let correct = (0..p.nrows())
            .filter(|&i| {
                let best = (0..p.ncols()).fold(0, |b, c| if p[(i, c)] > p[(i, b)] { c } else { b });
                best == yv[i]
            })
            .count();
        assert_eq!(correct as f64 / yv.len() as f64, run.val_acc, "{mode}");
    }
}
