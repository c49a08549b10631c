//! The counterfactual replay: one mechanism for every candidate cause of the fall.
//!
//! A cause is a change from validation to test. Each candidate builds copies of the
//! validation rows that carry that change alone and scores the already-trained model on them,
//! over several random draws (forward passes only, nothing is retrained):
//! - **class mix**: the validation rows resampled to the test set's class shares (each row
//!   keeps its own values); its mean tends to `Σ_c p_test(c) · recall_val(c)`;
//! - **a column**: in every validation row the column's encoded values are replaced by those
//!   of a test row drawn from the rows of the same class, so `P(column | class)` becomes
//!   test's while every other column of the row is untouched;
//! - **a set of columns**: the same, the set drawn jointly from one test row (every set of
//!   2 to `max_set_size` columns among the `set_columns` the model relies on most);
//! - **everything**: every column drawn jointly from one test row of the same class.
//!
//! Each column draw has a **null**: the same draw from validation's own rows of the same
//! class. Drawing a column apart from its row also breaks its link with the row's other
//! columns within the class, which is no change between the sets; the candidate's effect is
//! its replay minus its null (for the class mix, the null resamples to validation's own
//! shares). The rules that read the replay are in `verdicts::diagnosis`.

use data::rng::{Stream, stream};
use faer::Mat;
use models::{Invalid, Mlp};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::evidence::{Candidate, CandidateKind};
use crate::interval::{Interval, welch_interval};
use crate::prepare::Prepared;
use crate::verdicts::reproduces;

/// The replay's record: every candidate, in the order the root-cause rule reads them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Replay {
    /// Draws per candidate (each with its null).
    pub draws: usize,
    /// The model's validation accuracy, where every replay starts.
    pub val_acc: f64,
    /// Its test accuracy, the fall to reproduce.
    pub test_acc: f64,
    /// Validation minus test accuracy.
    pub gap: f64,
    /// `Σ_c p_test(c) · recall_val(c)`: the accuracy the class mix alone predicts in closed
    /// form (the class-mix draws' mean tends to it).
    pub class_mix_accuracy: f64,
    /// Classes with validation rows but no test row: in the column replays their rows keep
    /// their own values.
    pub classes_without_test_rows: Vec<usize>,
    /// The columns whose sets are replayed (the most relied-upon, by Part C's attribution).
    pub set_columns: Vec<String>,
    /// Class mix, then every column, then the sets by size, then everything.
    pub candidates: Vec<Candidate>,
}

/// How the replay runs and when a candidate reproduces (from `PartDConfig`).
#[derive(Debug, Clone, Copy)]
pub struct ReplaySettings {
    /// Draws per candidate.
    pub draws: usize,
    /// Columns, from the top of the attribution, whose sets are replayed.
    pub set_columns: usize,
    /// Largest set replayed.
    pub max_set_size: usize,
    /// See [`crate::verdicts::reproduces`].
    pub tolerance: f64,
    /// See [`crate::verdicts::reproduces`].
    pub min_gap_share: f64,
    /// Whether there is a collapse to reproduce (without one nothing reproduces).
    pub collapse: bool,
}

/// Rows of each class.
fn pools(y: &[usize], k: usize) -> Vec<Vec<usize>> {
    let mut p = vec![Vec::new(); k];
    for (r, &c) in y.iter().enumerate() {
        p[c].push(r);
    }
    p
}

/// A uniformly drawn row of `pool`.
fn pick(pool: &[usize], rng: &mut ChaCha8Rng) -> usize {
    pool[rng.random_range(0..pool.len())]
}

/// Runs the replay of `mlp` on `prepared`'s validation rows; `ranked` are the columns by
/// Part C's attribution, highest first.
pub fn replay(
    mlp: &Mlp,
    prepared: &Prepared,
    ranked: &[String],
    settings: &ReplaySettings,
    seed: u64,
) -> Result<Replay, Invalid> {
    let (v, t) = (&prepared.validation, &prepared.test);
    let k = prepared.n_classes;
    let val_pools = pools(&v.y, k);
    let test_pools = pools(&t.y, k);
    let val_acc = mlp.accuracy(v.x.as_ref(), &v.y)?;
    let test_acc = mlp.accuracy(t.x.as_ref(), &t.y)?;
    let gap = val_acc - test_acc;
    let mut rng = stream(seed, Stream::Replay);
    let finish = |kind, columns: Vec<String>, replayed: Vec<f64>, null: Vec<f64>| {
        let effect = welch_interval(&replayed, &null);
        let accuracy = effect.map(|e| Interval {
            mean: val_acc + e.mean,
            low: val_acc + e.low,
            high: val_acc + e.high,
            n: e.n,
        });
        let gap_share = match effect {
            Some(e) if gap > 0.0 => -e.mean / gap,
            _ => f64::NAN,
        };
        let predicted = accuracy.map_or(f64::NAN, |a| a.mean);
        Candidate {
            kind,
            columns,
            replayed,
            null,
            effect,
            accuracy,
            gap_share,
            reproduces: settings.collapse
                && reproduces(
                    predicted,
                    gap_share,
                    test_acc,
                    settings.tolerance,
                    settings.min_gap_share,
                ),
        }
    };

    let (class_mix_accuracy, replayed, null) =
        class_mix(mlp, prepared, &val_pools, settings.draws, &mut rng)?;
    let mut candidates = vec![finish(CandidateKind::ClassMix, Vec::new(), replayed, null)];

    // Columns in attribution order; any column of the design Part C did not rank goes last.
    let mut order: Vec<String> = ranked
        .iter()
        .filter(|c| v.columns.contains(c))
        .cloned()
        .collect();
    let unranked: Vec<String> = v
        .columns
        .iter()
        .filter(|c| !order.contains(c))
        .cloned()
        .collect();
    order.extend(unranked);
    let mut work = v.x.clone();
    let mut run = |kind, columns: Vec<String>, rng: &mut ChaCha8Rng| {
        let features: Vec<usize> = (0..v.feature_columns.len())
            .filter(|&j| columns.contains(&v.columns[v.feature_columns[j]]))
            .collect();
        let mut replayed = Vec::with_capacity(settings.draws);
        let mut null = Vec::with_capacity(settings.draws);
        for _ in 0..settings.draws {
            for (source, pools, out) in [
                (&t.x, &test_pools, &mut replayed),
                (&v.x, &val_pools, &mut null),
            ] {
                draw(&mut work, source, pools, &v.y, &features, rng);
                out.push(mlp.accuracy(work.as_ref(), &v.y)?);
                for &j in &features {
                    work.col_mut(j).copy_from(v.x.col(j));
                }
            }
        }
        Ok::<_, Invalid>(finish(kind, columns, replayed, null))
    };
    for column in &order {
        candidates.push(run(CandidateKind::Column, vec![column.clone()], &mut rng)?);
    }
    let set_columns: Vec<String> = order.iter().take(settings.set_columns).cloned().collect();
    for size in 2..=settings.max_set_size.min(order.len().saturating_sub(1)) {
        for set in combinations(set_columns.len(), size) {
            let columns = set.iter().map(|&i| set_columns[i].clone()).collect();
            candidates.push(run(CandidateKind::Columns, columns, &mut rng)?);
        }
    }
    candidates.push(run(CandidateKind::Everything, order.clone(), &mut rng)?);
    Ok(Replay {
        draws: settings.draws,
        val_acc,
        test_acc,
        gap,
        class_mix_accuracy,
        classes_without_test_rows: (0..k)
            .filter(|&c| !val_pools[c].is_empty() && test_pools[c].is_empty())
            .collect(),
        set_columns,
        candidates,
    })
}

/// Replaces `features` of every row of `work` by those of a row of `source` drawn from the
/// rows of the same class (`pools[class]`); rows of a class with no source row keep theirs.
fn draw(
    work: &mut Mat<f64>,
    source: &Mat<f64>,
    pools: &[Vec<usize>],
    y: &[usize],
    features: &[usize],
    rng: &mut ChaCha8Rng,
) {
    for (r, &c) in y.iter().enumerate() {
        if pools[c].is_empty() {
            continue;
        }
        let s = pick(&pools[c], rng);
        for &j in features {
            work[(r, j)] = source[(s, j)];
        }
    }
}

/// The class-mix replay: the closed form `Σ_c p_test(c) · recall_val(c)`, and per draw the
/// accuracy on `n` validation rows resampled with test's class shares (replayed) and with
/// validation's own (null). A class without validation rows counts as never right.
fn class_mix(
    mlp: &Mlp,
    prepared: &Prepared,
    val_pools: &[Vec<usize>],
    draws: usize,
    rng: &mut ChaCha8Rng,
) -> Result<(f64, Vec<f64>, Vec<f64>), Invalid> {
    let (v, t) = (&prepared.validation, &prepared.test);
    let k = prepared.n_classes;
    let predicted = mlp.predict(v.x.as_ref())?;
    let right: Vec<bool> = predicted.iter().zip(&v.y).map(|(p, y)| p == y).collect();
    let shares = |y: &[usize]| -> Vec<f64> {
        let mut s = vec![0.0; k];
        for &c in y {
            s[c] += 1.0;
        }
        s.iter().map(|x| x / y.len().max(1) as f64).collect()
    };
    let (p_test, p_val) = (shares(&t.y), shares(&v.y));
    let recall = |c: usize| {
        let pool = &val_pools[c];
        if pool.is_empty() {
            0.0
        } else {
            pool.iter().filter(|&&r| right[r]).count() as f64 / pool.len() as f64
        }
    };
    let closed = (0..k).map(|c| p_test[c] * recall(c)).sum();
    let n = v.y.len();
    let resampled = |p: &[f64], rng: &mut ChaCha8Rng| {
        let mut hits = 0usize;
        for _ in 0..n {
            let u: f64 = rng.random();
            let mut c = 0;
            let mut acc = p[0];
            while u >= acc && c + 1 < k {
                c += 1;
                acc += p[c];
            }
            if !val_pools[c].is_empty() && right[pick(&val_pools[c], rng)] {
                hits += 1;
            }
        }
        hits as f64 / n.max(1) as f64
    };
    let mut replayed = Vec::with_capacity(draws);
    let mut null = Vec::with_capacity(draws);
    for _ in 0..draws {
        replayed.push(resampled(&p_test, rng));
        null.push(resampled(&p_val, rng));
    }
    Ok((closed, replayed, null))
}

/// Every `size`-subset of `0..n`, in lexicographic order.
fn combinations(n: usize, size: usize) -> Vec<Vec<usize>> {
    fn extend(
        start: usize,
        n: usize,
        size: usize,
        cur: &mut Vec<usize>,
        out: &mut Vec<Vec<usize>>,
    ) {
        if cur.len() == size {
            out.push(cur.clone());
            return;
        }
        for i in start..n {
            cur.push(i);
            extend(i + 1, n, size, cur, out);
            cur.pop();
        }
    }
    let mut out = Vec::new();
    if size <= n {
        extend(0, n, size, &mut Vec::new(), &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::combinations;

    #[test]
    fn combinations_in_order() {
        assert_eq!(
            combinations(4, 2),
            [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]
        );
        assert_eq!(combinations(3, 3), [[0, 1, 2]]);
        assert!(combinations(2, 3).is_empty());
    }
}
