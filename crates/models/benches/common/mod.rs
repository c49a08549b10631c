//! What the models benches share: the random problem and one timed training run.

use std::time::{Duration, Instant};

use faer::Mat;
use models::{Activation, Engine, Init, LossOptions, Mlp, TrainConfig, train};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Part B's shapes: 33,078 training and 8,270 validation rows of 10 features, 4 classes,
/// and a 10→32→16→4 ReLU network.
pub struct Problem {
    pub x: Mat<f64>,
    pub y: Vec<usize>,
    pub xv: Mat<f64>,
    pub yv: Vec<usize>,
    pub mlp: Mlp,
}

impl Problem {
    pub fn new() -> Problem {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut data = |n: usize| {
            let x = Mat::from_fn(n, 10, |_, _| rng.random_range(-2.0..2.0));
            let y = (0..n).map(|_| rng.random_range(0..4)).collect();
            (x, y)
        };
        let ((x, y), (xv, yv)) = (data(33_078), data(8_270));
        let mlp = Mlp::new(10, &[32, 16], 4, Activation::Relu, Init::Study, &mut rng);
        Problem { x, y, xv, yv, mlp }
    }

    /// Wall time of one training run of `steps` iterations (full batch) or epochs
    /// (`batch_size`) at learning rate 0.1, setup excluded.
    pub fn time_training(
        &self,
        engine: Engine,
        batch_size: Option<usize>,
        steps: usize,
        threads: usize,
    ) -> Duration {
        let cfg = TrainConfig {
            learning_rate: 0.1,
            steps,
            batch_size,
            loss: LossOptions::default(),
            dropout: 0.0,
            engine,
            threads,
            saturation: models::Saturation::STUDY,
            evaluate: models::Evaluate::EveryStep,
        };
        let mut m = self.mlp.clone();
        let start = Instant::now();
        let history = train(
            &mut m,
            (self.x.as_ref(), &self.y),
            (self.xv.as_ref(), &self.yv),
            &cfg,
            7,
        );
        let elapsed = start.elapsed();
        assert_eq!(history.expect("trains").len(), steps);
        elapsed
    }
}
