//! Property: any table `write_csv` accepts reads back with the same values, bit for bit.

use data::{Categorical, MISSING, Schema, Table, read_csv, write_csv};
use proptest::prelude::*;

/// Levels that survive a round trip: no surrounding whitespace, not a missing marker; commas,
/// quotes and newlines inside are allowed (the writer quotes them).
fn level() -> impl Strategy<Value = String> {
    "[A-Za-z0-9/][A-Za-z0-9 ,\"\n/]{0,6}[A-Za-z0-9/]|[A-Za-z]"
        .prop_filter("not a missing marker", |s| !MISSING.contains(&s.as_str()))
}

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        any::<f64>().prop_filter("finite", |v| v.is_finite()),
        (0u32..1000).prop_map(f64::from),
    ]
}

fn table() -> impl Strategy<Value = Table> {
    (1usize..20).prop_flat_map(|n| {
        (
            prop::collection::btree_set(level(), 1..5),
            prop::collection::vec(any::<prop::sample::Index>(), n),
            prop::collection::vec(any::<bool>(), n),
            prop::collection::vec(number(), n),
            prop::collection::vec(0u8..3, n),
        )
            .prop_map(move |(levels, picks, present, numbers, labels)| {
                let levels: Vec<String> = levels.into_iter().collect();
                let codes = picks
                    .iter()
                    .zip(&present)
                    .map(|(p, &here)| here.then(|| p.index(levels.len()) as u32))
                    .collect();
                Table {
                    schema: Schema {
                        categorical: vec!["c".into()],
                        numeric: vec!["x".into()],
                        label: "y".into(),
                        n_classes: 3,
                        ranges: Vec::new(),
                        classes: Vec::new(),
                        ordered: None,
                        names: Default::default(),
                    },
                    source: "generated".into(),
                    categorical: vec![Categorical { levels, codes }],
                    numeric: vec![numbers],
                    labels,
                    lines: (2..2 + n as u64).collect(),
                    out_of_range: Vec::new(),
                }
            })
    })
}

fn decoded(c: &Categorical) -> Vec<Option<&str>> {
    c.codes
        .iter()
        .map(|code| code.map(|k| c.levels[k as usize].as_str()))
        .collect()
}

proptest! {
    #[test]
    fn write_then_read_gives_the_same_values(t in table()) {
        let mut out = Vec::new();
        write_csv(&t, &mut out).unwrap();
        let back = read_csv(out.as_slice(), "back", &t.schema).unwrap().table;
        prop_assert_eq!(decoded(&back.categorical[0]), decoded(&t.categorical[0]));
        prop_assert_eq!(&back.labels, &t.labels);
        for (a, b) in back.numeric[0].iter().zip(&t.numeric[0]) {
            prop_assert!(a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()), "{} vs {}", a, b);
        }
        prop_assert!(back.categorical[0].levels.windows(2).all(|w| w[0] < w[1]));
    }
}
