//! Helpers shared by the integration tests.
#![allow(dead_code)]

use faer::Mat;
use models::{Activation, Init, Mlp};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A random network and data set from one seed.
pub fn problem(
    seed: u64,
    d: usize,
    hidden: &[usize],
    k: usize,
    n: usize,
    activation: Activation,
) -> (Mlp, Mat<f64>, Vec<usize>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mlp = Mlp::new(d, hidden, k, activation, Init::PyTorch, &mut rng);
    let x = Mat::from_fn(n, d, |_, _| rng.random_range(-2.0..2.0));
    let y = (0..n).map(|_| rng.random_range(0..k)).collect();
    (mlp, x, y)
}

/// Hidden pre-activations `z_l` of every hidden layer (to keep away from ReLU kinks).
pub fn pre_activations(mlp: &Mlp, x: &Mat<f64>) -> Vec<f64> {
    let mut out = Vec::new();
    let mut a = x.clone();
    for layer in &mlp.layers[..mlp.layers.len() - 1] {
        let mut z = &a * &layer.weight;
        for j in 0..z.ncols() {
            for i in 0..z.nrows() {
                z[(i, j)] += layer.bias[(0, j)];
                out.push(z[(i, j)]);
            }
        }
        a = Mat::from_fn(z.nrows(), z.ncols(), |i, j| mlp.activation.apply(z[(i, j)]));
    }
    out
}

/// `|a − b| ≤ abs + rel·max(|a|, |b|)` entrywise, with a message naming the entry.
pub fn close(what: &str, a: &Mat<f64>, b: &Mat<f64>, abs: f64, rel: f64) -> Result<(), String> {
    if a.shape() != b.shape() {
        return Err(format!("{what}: shapes {:?} vs {:?}", a.shape(), b.shape()));
    }
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            let (u, v) = (a[(i, j)], b[(i, j)]);
            if (u - v).abs() > abs + rel * u.abs().max(v.abs()) {
                return Err(format!("{what}[{i},{j}]: {u} vs {v}"));
            }
        }
    }
    Ok(())
}

/// Central finite differences of `f` with respect to every entry of `m`.
pub fn finite_diff(m: &mut Mat<f64>, h: f64, mut f: impl FnMut(&Mat<f64>) -> f64) -> Mat<f64> {
    let mut g = Mat::zeros(m.nrows(), m.ncols());
    for j in 0..m.ncols() {
        for i in 0..m.nrows() {
            let orig = m[(i, j)];
            m[(i, j)] = orig + h;
            let up = f(m);
            m[(i, j)] = orig - h;
            let down = f(m);
            m[(i, j)] = orig;
            g[(i, j)] = (up - down) / (2.0 * h);
        }
    }
    g
}

/// A preprocessor fitted on a tiny table of the listings schema with 5 encoded features
/// (both categoricals with their reference level dropped, and two numeric columns).
pub fn preprocessor() -> data::Preprocessor {
    let csv = "neighbourhood_group,room_type,minimum_nights,amenity_score,number_of_reviews,availability_365,price_class\n\
               Brooklyn,Private room,2,50,3,100,1\n\
               Manhattan,Entire home/apt,1,80,10,,3\n\
               Queens,Private room,30,20,0,365,0\n";
    let t = data::read_csv(csv.as_bytes(), "inline", &data::Schema::listings())
        .unwrap()
        .table;
    let options = data::PreprocessOptions {
        drop_columns: vec!["availability_365".into(), "number_of_reviews".into()],
        ..Default::default()
    };
    let p = data::Preprocessor::fit(&t, &[0, 1, 2], &options).unwrap();
    assert_eq!(p.feature_names().len(), 5, "{:?}", p.feature_names());
    p
}
