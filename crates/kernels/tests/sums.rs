//! `Real::sum` and the column sums in each precision's fixed order, and the softmax
//! cross-entropy of the hand-written pass in `f32` against `f64`.

use kernels::Real;
use kernels::softmax::{cross_entropy_delta, row_max};

/// Lengths around the lane count and a pass's block height.
const LENGTHS: [usize; 9] = [0, 1, 5, 63, 64, 65, 200, 256, 1000];

fn values(n: usize, seed: u64) -> Vec<f64> {
    (0..n as u64)
        .map(|t| ((t * 7919 + seed * 104_729) % 2003) as f64 / 97.0 - 10.0)
        .collect()
}

/// `f64` adds in index order from `0` (the reference's bits); `f32` into 64 lanes folded in
/// halves, then the tail in order.
#[test]
fn sums_follow_each_precisions_order() {
    for n in LENGTHS {
        let x = values(n, 1);
        let mut seq = 0.0;
        for &v in &x {
            seq += v;
        }
        assert_eq!(f64::sum(&x).to_bits(), seq.to_bits(), "{n}");

        let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let mut lanes = [0.0f32; 64];
        let full = n / 64 * 64;
        for (i, &v) in x32[..full].iter().enumerate() {
            lanes[i % 64] += v;
        }
        for width in [32, 16, 8, 4, 2, 1] {
            for t in 0..width {
                lanes[t] += lanes[t + width];
            }
        }
        let mut want = lanes[0];
        for &v in &x32[full..] {
            want += v;
        }
        assert_eq!(f32::sum(&x32).to_bits(), want.to_bits(), "{n}");
        let exact: f64 = x32.iter().map(|&v| f64::from(v)).sum();
        assert!(
            (f64::from(want) - exact).abs() <= 1e-5 * (1.0 + exact.abs()),
            "{n}"
        );
    }
}

/// Each column's sum is added to its own entry, in both precisions.
#[test]
fn column_sums_add_each_columns_sum() {
    for (m, w) in [(1, 1), (7, 3), (64, 2), (259, 6)] {
        let x = values(m * w, 2);
        let mut db = vec![0.5; w];
        f64::add_column_sums(&x, m, &mut db);
        let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let mut db32 = vec![0.5f32; w];
        f32::add_column_sums(&x32, m, &mut db32);
        for j in 0..w {
            let col = &x[j * m..(j + 1) * m];
            let exact = 0.5 + col.iter().sum::<f64>();
            assert!(
                (db[j] - exact).abs() <= 1e-12 * (1.0 + exact.abs()),
                "{m} {w}"
            );
            assert_eq!(db32[j], 0.5 + f32::sum(&x32[j * m..(j + 1) * m]), "{m} {w}");
        }
    }
}

/// The `f32` output layer gives the `f64` one's loss, `δ_L` and bias gradient to single
/// precision, on a block longer than the sums' lanes.
#[test]
fn f32_cross_entropy_delta_follows_f64() {
    let (m, k) = (300, 4);
    let z: Vec<f64> = values(m * k, 3).iter().map(|v| v / 3.0).collect();
    let y: Vec<usize> = (0..m).map(|i| (i * 5 + i / 7) % k).collect();
    let c_tab = [
        0.5 / m as f64,
        2.0 / m as f64,
        1.0 / m as f64,
        3.0 / m as f64,
    ];
    let run = |z: &[f64]| {
        let mut max = vec![0.0; m];
        row_max(faer::MatRef::from_column_major_slice(z, m, k), &mut max);
        let (mut d, mut sums, mut db) = (z.to_vec(), vec![0.0; m], vec![0.0; k]);
        let loss = cross_entropy_delta(&mut d, m, &y, &c_tab, &mut max, &mut sums, &mut db);
        (loss, d, db)
    };
    let (loss, d, db) = run(&z);
    let z32: Vec<f32> = z.iter().map(|&v| v as f32).collect();
    let c32: Vec<f32> = c_tab.iter().map(|&v| v as f32).collect();
    let mut max = vec![0.0f32; m];
    row_max(faer::MatRef::from_column_major_slice(&z32, m, k), &mut max);
    let (mut d32, mut sums, mut db32) = (z32.clone(), vec![0.0f32; m], vec![0.0f32; k]);
    let loss32 = cross_entropy_delta(&mut d32, m, &y, &c32, &mut max, &mut sums, &mut db32);
    assert!(
        (f64::from(loss32) - loss).abs() < 1e-5 * loss.abs(),
        "{loss32} {loss}"
    );
    for (a, b) in d32.iter().zip(&d) {
        assert!(
            (f64::from(*a) - b).abs() < 1e-6 / m as f64 * 10.0,
            "{a} {b}"
        );
    }
    for (a, b) in db32.iter().zip(&db) {
        assert!((f64::from(*a) - b).abs() < 1e-6, "{a} {b}");
    }
}
