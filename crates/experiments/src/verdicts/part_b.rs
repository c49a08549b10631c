//! Part B's verdicts: sigmoid against ReLU (B(a)), stuck or slow, step size or
//! initialisation, and B(b)'s gradient verdicts. Every one is drawn from runs over seeds,
//! paired by seed where two settings share their initial draws; a verdict's words are
//! stated only when its 95 % interval lies wholly on one side of its line.
//!
//! The gradient verdicts compare ratios (one layer's gradient or signal over another's),
//! whose spread over seeds is multiplicative: they are paired on a log scale and reported
//! as a ratio with its interval ([`RatioInterval`]).

use models::Activation;
use serde::{Deserialize, Serialize};

use crate::evidence::{GradientSeeds, InitScheme, SeedBand, SeedRuns, SoftmaxRegression};
use crate::interval::{
    Direction, Interval, mean_interval, non_negative_interval, paired_interval,
    proportion_difference, proportion_interval,
};

/// Is sigmoid stuck, or only slow, at the study's own setting?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SigmoidProgress {
    /// Sigmoid's whole 95 % interval of validation accuracy lies above the majority share
    /// plus the margin: it learns within the budget.
    Learns,
    /// Its accuracy does not clear that line, but its training loss falls below the
    /// class-prior entropy on every seed's interval (what predicting the class shares alone
    /// scores): it has learned something from the features, slowly, while ReLU learns.
    Slow,
    /// Neither its accuracy nor its loss shows learning, while ReLU, from the same seeds,
    /// learns: stuck.
    Stuck,
    /// ReLU does not learn either at this setting (its interval does not clear the line):
    /// the data or the budget give nothing to learn, and nothing is said of sigmoid.
    NeitherLearns,
    /// The intervals straddle their lines: more seeds would be needed.
    Undetermined,
}

/// The "stuck or slow" verdict and what it was drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ProgressVerdict {
    /// Index into `sigmoid_runs` of the study's setting (its rate, its initialisation).
    pub study: usize,
    /// Sigmoid's validation accuracy over seeds there.
    pub val_acc: Interval,
    /// ReLU's, from the same seeds at the same setting.
    pub relu_val_acc: Interval,
    /// The class-prior entropy minus sigmoid's final training loss, over seeds: above
    /// zero, the network predicts better than the class shares alone.
    pub loss_below_prior: Interval,
    /// The class-prior entropy of the training split (nats): the loss of predicting every
    /// row's class shares.
    pub prior_entropy: f64,
    /// The majority share of validation.
    pub majority_share: f64,
    /// Margin over the majority share a run needs to count as learning.
    pub margin: f64,
    /// The verdict.
    pub finding: SigmoidProgress,
}

/// Stuck or slow at the study's setting, from sigmoid's runs there (`sigmoid`) and ReLU's
/// from the same seeds (`relu`); `None` when either has no interval (a diverged seed, fewer
/// than two seeds) or their seeds differ. A verdict on sigmoid needs ReLU to learn: on
/// labels nothing can learn, "stuck" would blame the activation for the data.
pub fn sigmoid_progress(
    (study, sigmoid): (usize, &SeedRuns),
    relu: &SeedRuns,
    prior_entropy: f64,
    majority_share: f64,
    margin: f64,
) -> Option<ProgressVerdict> {
    if sigmoid.seeds != relu.seeds {
        return None;
    }
    let line = majority_share + margin;
    let (val_acc, relu_val_acc) = (sigmoid.val_acc_interval?, relu.val_acc_interval?);
    let below: Vec<f64> = sigmoid.loss.iter().map(|l| prior_entropy - l).collect();
    let loss_below_prior = mean_interval(&below)?;
    let finding = if val_acc.low > line {
        SigmoidProgress::Learns
    } else if relu_val_acc.low <= line {
        SigmoidProgress::NeitherLearns
    } else if loss_below_prior.low > 0.0 {
        SigmoidProgress::Slow
    } else if val_acc.high < line {
        SigmoidProgress::Stuck
    } else {
        SigmoidProgress::Undetermined
    };
    Some(ProgressVerdict {
        study,
        val_acc,
        relu_val_acc,
        loss_below_prior,
        prior_entropy,
        majority_share,
        margin,
        finding,
    })
}

/// What the comparison over seeds says would cure sigmoid's slow start: a larger step, an
/// initialisation scaled for sigmoid, both, or neither (at the study's budget).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Remedy {
    /// Only the larger step raises validation accuracy (paired interval above zero).
    StepSize,
    /// Only the scaled initialisation does.
    Initialisation,
    /// Both do.
    Both,
    /// Neither is detected.
    Neither,
}

/// The step-or-initialisation verdict and the paired comparisons it was drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RemedyVerdict {
    /// Index into `sigmoid_runs` of the study's setting (study initialisation, study rate).
    pub study: usize,
    /// Index of the larger-step run compared with it: among the study-initialised runs at a
    /// larger rate with an interval, the highest mean validation accuracy.
    pub larger_step: usize,
    /// Index of the run from the initialisation scaled for sigmoid, at the study's rate.
    pub scaled_init: usize,
    /// Larger step minus study, validation accuracy paired by seed.
    pub step_difference: Interval,
    /// Scaled initialisation minus study, paired by seed.
    pub init_difference: Interval,
    /// The verdict.
    pub finding: Remedy,
}

/// ReLU minus sigmoid in final validation accuracy, paired by seed: the bands train both
/// activations from the same seeds, so the pairing removes what the seed does to both.
/// `None` unless there is exactly one band per activation, on the same seeds.
pub fn activation_gap(bands: &[SeedBand]) -> Option<Interval> {
    use models::Activation;
    let find = |a: Activation| {
        let mut it = bands.iter().filter(move |b| b.activation == a);
        match (it.next(), it.next()) {
            (Some(b), None) => Some(b),
            _ => None,
        }
    };
    let (relu, sigmoid) = (find(Activation::Relu)?, find(Activation::Sigmoid)?);
    if relu.seeds != sigmoid.seeds {
        return None;
    }
    proportion_difference(&relu.final_val_acc, &sigmoid.final_val_acc)
}

/// What the hidden layers add: ReLU's MLP minus the softmax regression in final
/// validation accuracy, paired by seed (both trained the same way from the same seeds; a
/// seed's two runs share the validation rows, not their initial weights). `None` when the
/// seeds differ or fewer than two pairs finished.
pub fn hidden_layers_gain(relu: &SeedRuns, softmax: &SoftmaxRegression) -> Option<Interval> {
    if relu.seeds != softmax.seeds {
        return None;
    }
    paired_interval(&relu.val_acc, &softmax.val_acc)
}

/// Step or initialisation, from paired differences of final validation accuracy over the
/// seeds the runs share. `study` and `scaled_init` are the positions in `runs` of the
/// study's setting and of the study's rate from the scaled initialisation (the caller
/// built `runs` and knows them; a learning rate is never a lookup key). `None` when either
/// is not the run it should be, no larger-step run has an interval, or their seeds differ.
pub fn remedy(runs: &[SeedRuns], (study, scaled_init): (usize, usize)) -> Option<RemedyVerdict> {
    let sigmoid = |r: &SeedRuns| r.activation == models::Activation::Sigmoid;
    let (s, c) = (runs.get(study)?, runs.get(scaled_init)?);
    if !(sigmoid(s) && s.init == InitScheme::Study && sigmoid(c))
        || c.init != InitScheme::SigmoidScaled
    {
        return None;
    }
    let larger_step = runs
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            sigmoid(r) && r.init == InitScheme::Study && r.learning_rate > s.learning_rate
        })
        .filter_map(|(i, r)| Some((i, r.val_acc_interval?.mean)))
        .max_by(|a, b| a.1.total_cmp(&b.1))?
        .0;
    let paired = |a: usize| {
        (runs[a].seeds == runs[study].seeds)
            .then(|| proportion_difference(&runs[a].val_acc, &runs[study].val_acc))
            .flatten()
    };
    let (step_difference, init_difference) = (paired(larger_step)?, paired(scaled_init)?);
    let helps = |i: &Interval| i.direction() == Direction::Higher;
    let finding = match (helps(&step_difference), helps(&init_difference)) {
        (true, true) => Remedy::Both,
        (true, false) => Remedy::StepSize,
        (false, true) => Remedy::Initialisation,
        (false, false) => Remedy::Neither,
    };
    Some(RemedyVerdict {
        study,
        larger_step,
        scaled_init,
        step_difference,
        init_difference,
        finding,
    })
}

/// A ratio over seeds with its 95 % interval: the Student-t interval of the mean of the
/// per-seed logarithms, taken back through `exp`. Its centre is therefore the geometric
/// mean of the per-seed ratios, and the interval is not symmetric around it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RatioInterval {
    /// Geometric mean of the per-seed ratios.
    pub geometric_mean: f64,
    /// Lower end of the 95 % interval.
    pub low: f64,
    /// Upper end of the 95 % interval.
    pub high: f64,
    /// Number of seeds (pairs).
    pub n: usize,
}

impl RatioInterval {
    /// The ratio interval of an interval of logarithms.
    pub fn from_log(log: Interval) -> Self {
        RatioInterval {
            geometric_mean: log.mean.exp(),
            low: log.low.exp(),
            high: log.high.exp(),
            n: log.n,
        }
    }

    /// Where the interval lies relative to 1 (the rule of [`Interval::direction`] on the
    /// log scale, zero-width intervals included).
    pub fn direction(&self) -> Direction {
        Interval {
            mean: self.geometric_mean.ln(),
            low: self.low.ln(),
            high: self.high.ln(),
            n: self.n,
        }
        .direction()
    }
}

/// `a / b` paired by seed on a log scale, over the seeds both settings hold (in `a`'s
/// order); `None` with fewer than two shared seeds or a value that is not a finite positive
/// number (a diverged seed, a zero gradient).
pub fn paired_ratio(a: (&[u64], &[f64]), b: (&[u64], &[f64])) -> Option<RatioInterval> {
    let (x, y): (Vec<f64>, Vec<f64>) =
        a.0.iter()
            .zip(a.1)
            .filter_map(|(s, &va)| {
                let j = b.0.iter().position(|t| t == s)?;
                Some((va.ln(), b.1.get(j)?.ln()))
            })
            .unzip();
    paired_interval(&x, &y).map(RatioInterval::from_log)
}

/// The index in `seeds` of the study's initialisation for `activation` (`gradient_seeds`
/// holds the settings at the study's learning rate only, so no rate is compared).
fn study_setting(seeds: &[GradientSeeds], activation: Activation) -> Option<usize> {
    seeds
        .iter()
        .position(|g| g.activation == activation && g.init == InitScheme::Study)
}

/// How much of the output's error signal reaches sigmoid's first layer, against ReLU's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Attenuation {
    /// The whole interval of sigmoid's share over ReLU's lies below the factor: the signal
    /// vanishes on its way back, by more than that factor relative to ReLU.
    Vanishing,
    /// The whole interval lies below 1 but not wholly below the factor: detectably smaller,
    /// not detectably by the factor.
    Smaller,
    /// The interval contains 1: no difference detected.
    NotDetected,
    /// The whole interval lies above 1: sigmoid's first layer gets relatively more.
    Larger,
}

/// The attenuation verdict and what it was drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AttenuationVerdict {
    /// Index into `gradient_seeds` of ReLU at the study's setting.
    pub relu: usize,
    /// Index of sigmoid at the study's setting.
    pub sigmoid: usize,
    /// At initialisation, the share of the output layer's error signal that reaches the
    /// first layer (mean |δ_1| / mean |δ_L|), sigmoid's over ReLU's, paired by seed: the
    /// verdict's evidence. Measured before any update, it is free of what training does to
    /// the weights and of the size of the layers' inputs.
    pub signal_at_start: RatioInterval,
    /// ReLU's first-to-last weight-gradient ratio averaged over the iterations, mean over
    /// its seeds.
    pub relu_ratio: Interval,
    /// Sigmoid's.
    pub sigmoid_ratio: Interval,
    /// Sigmoid's weight-gradient ratio over ReLU's, paired by seed: stated beside the
    /// verdict, since averaging over training dilutes the attenuation at the start and a
    /// weight gradient also scales with the layer's input.
    pub relative: RatioInterval,
    /// The factor "vanishing" needs (`PartBConfig::vanishing_factor`).
    pub factor: f64,
    /// The verdict, from `signal_at_start`.
    pub finding: Attenuation,
}

/// Does the error signal vanish on its way back to sigmoid's first layer, relative to
/// ReLU's? From the runs at the study's setting over seeds: the signal at initialisation
/// decides, the weight gradients over training are stated beside it. `None` when either
/// activation's runs are missing, a seed diverged, or fewer than two seeds pair.
pub fn attenuation(seeds: &[GradientSeeds], factor: f64) -> Option<AttenuationVerdict> {
    let relu = study_setting(seeds, Activation::Relu)?;
    let sigmoid = study_setting(seeds, Activation::Sigmoid)?;
    let (r, s) = (&seeds[relu], &seeds[sigmoid]);
    let relative = paired_ratio(
        (&s.seeds, &s.weight_first_to_last),
        (&r.seeds, &r.weight_first_to_last),
    )?;
    let signal_at_start = paired_ratio(
        (&s.seeds, &signal_share(&s.delta_start)),
        (&r.seeds, &signal_share(&r.delta_start)),
    )?;
    let finding = match signal_at_start.direction() {
        Direction::Lower if signal_at_start.high < factor => Attenuation::Vanishing,
        Direction::Lower => Attenuation::Smaller,
        Direction::Higher => Attenuation::Larger,
        Direction::NotDetected => Attenuation::NotDetected,
    };
    Some(AttenuationVerdict {
        relu,
        sigmoid,
        signal_at_start,
        relu_ratio: non_negative_interval(&r.weight_first_to_last)?,
        sigmoid_ratio: non_negative_interval(&s.weight_first_to_last)?,
        relative,
        factor,
        finding,
    })
}

/// Per seed, mean |δ_1| / mean |δ_L| (`NaN` where a seed has no measurement, which no
/// interval takes).
fn signal_share(deltas: &[Vec<f64>]) -> Vec<f64> {
    deltas
        .iter()
        .map(|d| match (d.first(), d.last()) {
            (Some(a), Some(b)) => a / b,
            _ => f64::NAN,
        })
        .collect()
}

/// Are sigmoid's hidden units saturated at the end of training?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Saturation {
    /// The whole interval of the most saturated layer's share lies below the threshold.
    Negligible,
    /// The whole interval lies at or above it.
    Notable,
    /// The interval straddles the threshold: the seeds do not decide.
    Undetermined,
}

/// The saturation verdict and what it was drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SaturationVerdict {
    /// Index into `gradient_seeds` of sigmoid at the study's setting.
    pub sigmoid: usize,
    /// Per seed, the share of saturated units in its most saturated hidden layer at the
    /// end; mean over seeds with its interval.
    pub share: Interval,
    /// Per hidden layer, the share at the end over seeds.
    pub layers: Vec<Option<Interval>>,
    /// Saturation is negligible below this share (`PartBConfig::saturation_share`).
    pub threshold: f64,
    /// The verdict.
    pub finding: Saturation,
}

/// Saturation of sigmoid's hidden units at the end of the study's setting, over seeds;
/// `None` without those runs, with a diverged seed, or with fewer than two seeds.
pub fn saturation(seeds: &[GradientSeeds], threshold: f64) -> Option<SaturationVerdict> {
    let sigmoid = study_setting(seeds, Activation::Sigmoid)?;
    let s = &seeds[sigmoid];
    let most: Vec<f64> = s
        .saturation_last
        .iter()
        .map(|layers| layers.iter().copied().reduce(f64::max).unwrap_or(f64::NAN))
        .collect();
    let share = proportion_interval(&most)?;
    let n_layers = s.saturation_last.first().map_or(0, Vec::len);
    let layers = (0..n_layers)
        .map(|l| {
            let v: Option<Vec<f64>> = s
                .saturation_last
                .iter()
                .map(|x| x.get(l).copied())
                .collect();
            proportion_interval(&v?)
        })
        .collect();
    let finding = if share.high < threshold {
        Saturation::Negligible
    } else if share.low >= threshold {
        Saturation::Notable
    } else {
        Saturation::Undetermined
    };
    Some(SaturationVerdict {
        sigmoid,
        share,
        layers,
        threshold,
        finding,
    })
}

/// When a backward signal was measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Moment {
    /// At initialisation.
    Initialisation,
    /// After the study's iterations.
    AfterTraining,
}

/// One hidden layer's backward gain, sigmoid against ReLU.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LayerGain {
    /// The hidden layer, counted from 1 as the report names it: its gain is
    /// mean |δ_l| / mean |δ_{l+1}|.
    pub layer: usize,
    /// Sigmoid's gain over ReLU's, paired by seed (`None` when the seeds do not pair).
    pub relative: Option<RatioInterval>,
    /// Where that interval lies relative to 1 (`Lower`: sigmoid's gain is detectably
    /// smaller; `NotDetected` also when there is no interval).
    pub direction: Direction,
}

/// Where the attenuation sits: which hidden layer's backward gain is detectably smaller
/// under sigmoid than under ReLU, at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AttenuationSite {
    /// When the signals were measured.
    pub moment: Moment,
    /// Index into `gradient_seeds` of ReLU at the study's setting.
    pub relu: usize,
    /// Index of sigmoid at the study's setting.
    pub sigmoid: usize,
    /// Every hidden layer's gain, from the first up.
    pub layers: Vec<LayerGain>,
    /// Sigmoid's mean |δ_1| / mean |δ_L| over ReLU's, paired by seed: the attenuation from
    /// the output back to the first layer.
    pub first_to_last: Option<RatioInterval>,
    /// The layers (counted from 1) whose gain is detectably smaller under sigmoid; empty:
    /// none is.
    pub smaller: Vec<usize>,
    /// The layers whose gain is detectably larger under sigmoid.
    pub larger: Vec<usize>,
}

/// Each hidden layer's backward gain under sigmoid over ReLU's at the study's setting,
/// paired by seed, at `moment`; `None` when either activation's runs are missing.
pub fn attenuation_site(seeds: &[GradientSeeds], moment: Moment) -> Option<AttenuationSite> {
    let relu = study_setting(seeds, Activation::Relu)?;
    let sigmoid = study_setting(seeds, Activation::Sigmoid)?;
    let deltas = |g: &GradientSeeds| match moment {
        Moment::Initialisation => g.delta_start.clone(),
        Moment::AfterTraining => g.delta_end.clone(),
    };
    let (r, s) = (deltas(&seeds[relu]), deltas(&seeds[sigmoid]));
    let (r_seeds, s_seeds) = (&seeds[relu].seeds, &seeds[sigmoid].seeds);
    // A seed without a measurement (diverged) gives NaN, which no interval takes.
    let per_seed = |d: &[Vec<f64>], f: &dyn Fn(&[f64]) -> Option<f64>| -> Vec<f64> {
        d.iter().map(|x| f(x).unwrap_or(f64::NAN)).collect()
    };
    let n_layers = s.iter().chain(&r).map(Vec::len).max().unwrap_or(0);
    let layers: Vec<LayerGain> = (0..n_layers.saturating_sub(1))
        .map(|l| {
            let gain = |x: &[f64]| Some(x.get(l)? / x.get(l + 1)?);
            let relative = paired_ratio(
                (s_seeds, &per_seed(&s, &gain)),
                (r_seeds, &per_seed(&r, &gain)),
            );
            LayerGain {
                layer: l + 1,
                relative,
                direction: relative.map_or(Direction::NotDetected, |i| i.direction()),
            }
        })
        .collect();
    let first_to_last = paired_ratio((s_seeds, &signal_share(&s)), (r_seeds, &signal_share(&r)));
    let named = |d: Direction| -> Vec<usize> {
        layers
            .iter()
            .filter(|g| g.direction == d)
            .map(|g| g.layer)
            .collect()
    };
    Some(AttenuationSite {
        moment,
        relu,
        sigmoid,
        smaller: named(Direction::Lower),
        larger: named(Direction::Higher),
        layers,
        first_to_last,
    })
}

#[cfg(test)]
mod tests;
