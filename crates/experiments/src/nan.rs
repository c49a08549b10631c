//! Serde for numbers that may be undefined (precision of a never-predicted class, the loss
//! of a run that diverged): `NaN` is written as JSON `null` and read back as `NaN`, so a
//! record survives the round trip through its file. Use with `#[serde(with = "crate::nan")]`.

use serde::{Deserialize, Deserializer, Serializer};

/// Writes `NaN` (or any non-finite value) as `null`.
pub fn serialize<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
    if value.is_finite() {
        s.serialize_f64(*value)
    } else {
        s.serialize_none()
    }
}

/// Reads `null` as `NaN`.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// The same for a list of numbers.
pub mod vec {
    use serde::ser::SerializeSeq;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes each non-finite value as `null`.
    pub fn serialize<S: Serializer>(values: &[f64], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(values.len()))?;
        for v in values {
            seq.serialize_element(&v.is_finite().then_some(*v))?;
        }
        seq.end()
    }

    /// Reads each `null` as `NaN`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Ok(Vec::<Option<f64>>::deserialize(d)?
            .into_iter()
            .map(|v| v.unwrap_or(f64::NAN))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize)]
    struct R {
        #[serde(with = "crate::nan")]
        x: f64,
        #[serde(with = "crate::nan::vec")]
        v: Vec<f64>,
    }

    #[test]
    fn nan_round_trips_through_null() {
        let text = serde_json::to_string(&R {
            x: f64::NAN,
            v: vec![1.5, f64::NAN],
        })
        .unwrap();
        assert_eq!(text, r#"{"x":null,"v":[1.5,null]}"#);
        let back: R = serde_json::from_str(&text).unwrap();
        assert!(back.x.is_nan() && back.v[0] == 1.5 && back.v[1].is_nan());
    }
}
