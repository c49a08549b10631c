//! Fuzzing the loader: arbitrary bytes and mutated valid files never panic, every error is
//! one line, and whatever loads can be fitted and encoded without a panic. The case count is
//! proptest's (256, or `PROPTEST_CASES`; CI pins 64).

use data::{PreprocessOptions, Preprocessor, Schema, read_csv};
use proptest::prelude::*;

/// The first rows of the committed synthetic fixture: a valid file to mutate.
fn valid() -> Vec<u8> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/synthetic_train.csv");
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .take(25)
        .flat_map(|l| format!("{l}\n").into_bytes())
        .collect()
}

/// Bytes that matter to a CSV parser and to number parsing.
const INTERESTING: &[u8] = b"\",\n\r \t0123456789.-+eEinfINFNa\xff\xef\xbb\xbf";

/// One edit: at `position` (taken modulo the length), delete, insert or replace a byte.
#[derive(Debug, Clone)]
enum Edit {
    Delete(usize),
    Insert(usize, u8),
    Replace(usize, u8),
    /// Repeat a span (long fields, extra rows).
    Repeat(usize, usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let byte = prop_oneof![
        3 => proptest::sample::select(INTERESTING),
        1 => any::<u8>(),
    ];
    prop_oneof![
        any::<usize>().prop_map(Edit::Delete),
        (any::<usize>(), byte.clone()).prop_map(|(p, b)| Edit::Insert(p, b)),
        (any::<usize>(), byte).prop_map(|(p, b)| Edit::Replace(p, b)),
        (any::<usize>(), 1..40usize, 1..50usize).prop_map(|(p, l, n)| Edit::Repeat(p, l, n)),
    ]
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let n = bytes.len().max(1);
        match *e {
            Edit::Delete(p) if !bytes.is_empty() => {
                bytes.remove(p % n);
            }
            Edit::Delete(_) => {}
            Edit::Insert(p, b) => bytes.insert(p % (bytes.len() + 1), b),
            Edit::Replace(p, b) if !bytes.is_empty() => bytes[p % n] = b,
            Edit::Replace(_, _) => {}
            Edit::Repeat(p, len, times) if !bytes.is_empty() => {
                let start = p % n;
                let end = (start + len).min(bytes.len());
                let span = bytes[start..end].to_vec();
                for _ in 0..times {
                    bytes.splice(end..end, span.iter().copied());
                }
            }
            Edit::Repeat(..) => {}
        }
    }
    bytes
}

/// Loads `bytes`; on success fits on every row and encodes them. Panics only on a broken
/// promise (a multi-line message, a non-finite feature).
fn exercise(bytes: &[u8]) {
    let schema = Schema::listings();
    match read_csv(bytes, "fuzz.csv", &schema) {
        Err(e) => {
            let m = e.to_string();
            assert!(!m.contains('\n') && !m.contains('\r'), "{m:?}");
            assert!(m.starts_with("fuzz.csv"), "{m}");
            assert!(m.chars().count() < 400, "{m}");
        }
        Ok(loaded) => {
            let t = loaded.table;
            t.check_shape().unwrap();
            for column in &t.numeric {
                assert!(column.iter().all(|v| !v.is_infinite()));
            }
            let rows: Vec<usize> = (0..t.n_rows()).collect();
            if let Ok(p) = Preprocessor::fit(&t, &rows, &PreprocessOptions::default()) {
                if let Ok(d) = p.transform_all(&t) {
                    for j in 0..d.x.ncols() {
                        assert!(d.x.col_as_slice(j).iter().all(|v| v.is_finite()));
                    }
                }
                let half: Vec<usize> = rows.iter().copied().step_by(2).collect();
                if let Ok(p) = Preprocessor::fit(&t, &half, &PreprocessOptions::default()) {
                    let _ = p.transform_all(&t);
                }
            }
        }
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        exercise(&bytes);
    }

    #[test]
    fn arbitrary_bytes_after_a_valid_header_never_panic(
        tail in proptest::collection::vec(proptest::sample::select(INTERESTING), 0..400)
    ) {
        let mut bytes = valid().into_iter().take_while(|&b| b != b'\n').collect::<Vec<_>>();
        bytes.push(b'\n');
        bytes.extend(tail);
        exercise(&bytes);
    }

    #[test]
    fn mutated_valid_files_never_panic(edits in proptest::collection::vec(edit(), 1..8)) {
        exercise(&apply(valid(), &edits));
    }
}
