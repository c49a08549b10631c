//! Independent training runs on the same rows, side by side: [`train_many`].
//!
//! The sigmoid sweep's learning rates and the multi-seed bands are trainings of the same
//! shape on the same rows that never read each other. Splitting *each* run's row blocks
//! between the threads (what [`crate::train`] does with `threads > 1`) makes the threads
//! meet twice per iteration, and on a shared machine the slower one sets the pace; giving
//! each thread whole runs instead lets them run without meeting until the end. The results
//! are the same bits either way, since a run's numbers never depend on its thread count.

use faer::MatRef;

use crate::error::TrainError;
use crate::mlp::Mlp;
use crate::train::{Record, TrainConfig, train};

/// What [`crate::train`] returns for one run.
type History = Result<Vec<Record>, TrainError>;

/// One run of [`train_many`]: the initialised network (trained in place), its
/// configuration and its seed, as [`crate::train`] takes them.
#[derive(Debug, Clone)]
pub struct TrainJob {
    /// The network, initialised by the caller; trained in place.
    pub mlp: Mlp,
    /// What the run does (its `threads` is replaced, see [`train_many`]).
    pub cfg: TrainConfig,
    /// The run's seed (shuffles, dropout masks).
    pub seed: u64,
}

/// Trains every job as [`crate::train`] would, on up to `threads` threads in total, and
/// returns each job's history (or error) in job order; each job's network is left trained
/// in `jobs`.
///
/// With at least as many jobs as threads, every thread takes whole jobs, one at a time,
/// until none is left (each job then runs on one thread); with fewer jobs the threads are
/// divided between them. A job's weights and history are bit-identical to those of
/// `train(&mut job.mlp, train, val, &job.cfg, job.seed)` whatever `threads` is (the
/// engines cut rows into the same blocks for any thread count), so the order in which the
/// threads pick jobs changes nothing.
pub fn train_many(
    jobs: &mut [TrainJob],
    train_set: (MatRef<'_, f64>, &[usize]),
    val: (MatRef<'_, f64>, &[usize]),
    threads: usize,
) -> Vec<History> {
    let threads = threads.max(1);
    let workers = threads.min(jobs.len());
    if workers == 0 {
        return Vec::new();
    }
    let per_job = (threads / jobs.len()).max(1);
    crate::parallel::map_in_parallel(jobs.iter_mut(), workers, |job| {
        let cfg = TrainConfig {
            threads: per_job,
            ..job.cfg.clone()
        };
        train(&mut job.mlp, train_set, val, &cfg, job.seed)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mlp::{Activation, Init};
    use crate::train::Engine;
    use crate::{LossOptions, train};
    use faer::Mat;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Each job's weights and history are those of its own `train` call, for any thread
    /// count (fewer, as many and more threads than jobs).
    #[test]
    fn train_many_matches_train_run_by_run() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let n = 700;
        let x = Mat::from_fn(n, 6, |_, _| rng.random_range(-2.0..2.0));
        let y: Vec<usize> = (0..n).map(|i| (i * 7 + i / 3) % 3).collect();
        let (xv, yv) = (x.as_ref().subrows(0, 200), &y[..200]);
        let jobs: Vec<TrainJob> = [
            (0.1, Activation::Sigmoid),
            (0.5, Activation::Relu),
            (2.0, Activation::Sigmoid),
        ]
        .iter()
        .enumerate()
        .map(|(k, &(lr, act))| TrainJob {
            mlp: Mlp::new(6, &[8, 5], 3, act, Init::Study, &mut rng),
            cfg: TrainConfig {
                learning_rate: lr,
                steps: 15,
                batch_size: if k == 1 { Some(64) } else { None },
                loss: LossOptions::default(),
                dropout: 0.0,
                engine: Engine::HandWritten,
                threads: 1,
                saturation: kernels::Saturation::STUDY,
                evaluate: crate::Evaluate::EveryStep,
            },
            seed: 40 + k as u64,
        })
        .collect();
        let want: Vec<(Mlp, Vec<Record>)> = jobs
            .iter()
            .map(|j| {
                let mut mlp = j.mlp.clone();
                let h = train(&mut mlp, (x.as_ref(), &y), (xv, yv), &j.cfg, j.seed).unwrap();
                (mlp, h)
            })
            .collect();
        for threads in [1, 2, 3, 5] {
            let mut run = jobs.clone();
            let got = train_many(&mut run, (x.as_ref(), &y), (xv, yv), threads);
            for ((job, h), (mlp, want_h)) in run.iter().zip(got).zip(&want) {
                assert_eq!(h.as_ref().unwrap(), want_h, "{threads} threads");
                assert_eq!(&job.mlp, mlp, "{threads} threads");
            }
        }
    }
}
