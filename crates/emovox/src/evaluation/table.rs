//! [`ConditionTable`]: one evaluation per named recording condition, printed and written.

use std::path::Path;

use emovox_audio::degrade::Condition;
use emovox_metrics::{Bootstrap, Interval};
use serde::Serialize;

use super::{evaluate, Evaluation, LabelledClip, Scoring};
use crate::adaptation::Adaptation;
use crate::{Classifier, Error};

/// The evaluations of one classifier on the same clips under several named conditions, in
/// order (see [`evaluate_conditions`]).
#[derive(Clone, Debug, PartialEq)]
pub struct ConditionTable {
    /// Condition name and its evaluation.
    pub rows: Vec<(String, Evaluation)>,
}

/// Scores `classifier` on `clips` under every named condition (e.g. from
/// [`emovox_audio::degrade::parse_conditions`]), each as [`evaluate`] does with `seed`,
/// `scoring` (labels scored, merged) and `adaptation`.
pub fn evaluate_conditions(
    classifier: &Classifier,
    clips: &[LabelledClip],
    conditions: &[(String, Condition)],
    seed: u64,
    scoring: &Scoring,
    adaptation: Adaptation,
) -> Result<ConditionTable, Error> {
    for (i, (name, _)) in conditions.iter().enumerate() {
        if conditions[..i].iter().any(|(other, _)| other == name) {
            return Err(Error::DuplicateCondition(name.clone()));
        }
    }
    let rows = conditions
        .iter()
        .map(|(name, condition)| {
            Ok((
                name.clone(),
                evaluate(classifier, clips, condition, seed, scoring, adaptation)?,
            ))
        })
        .collect::<Result<_, Error>>()?;
    Ok(ConditionTable { rows })
}

/// One condition's UAR for a classifier and a baseline on the same clips, with the paired
/// interval of their difference ([`Evaluation::uar_difference`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// The condition's name.
    pub condition: String,
    /// The classifier's UAR.
    pub uar: f64,
    /// The baseline's UAR.
    pub baseline_uar: f64,
    /// Interval of `uar - baseline_uar` over resamples of the clips.
    pub difference: Interval,
}

impl Comparison {
    /// One line per comparison: condition, both UARs, the difference and its interval.
    pub fn to_text(rows: &[Comparison]) -> String {
        let mut text = format!(
            "{:<24} {:>6} {:>9} {:>7} {:>17}\n",
            "condition", "UAR", "baseline", "diff", "95% interval"
        );
        for c in rows {
            text.push_str(&format!(
                "{:<24} {:>6.3} {:>9.3} {:>+7.3} [{:>+6.3}, {:>+6.3}]\n",
                c.condition,
                c.uar,
                c.baseline_uar,
                c.uar - c.baseline_uar,
                c.difference.low,
                c.difference.high
            ));
        }
        text
    }
}

impl ConditionTable {
    /// Each condition of this table against the same condition of `baseline` (the same
    /// conditions in the same order, evaluated on the same clips with the same seed and
    /// scoring), with the paired interval of the UAR difference by `bootstrap`.
    pub fn compare(
        &self,
        baseline: &ConditionTable,
        bootstrap: &Bootstrap,
    ) -> Result<Vec<Comparison>, Error> {
        if self.rows.len() != baseline.rows.len() {
            return Err(Error::NotPaired("the tables have different conditions"));
        }
        self.rows
            .iter()
            .zip(&baseline.rows)
            .map(|((name, e), (other_name, b))| {
                if name != other_name {
                    return Err(Error::NotPaired("the tables have different conditions"));
                }
                Ok(Comparison {
                    condition: name.clone(),
                    uar: e.matrix.uar(),
                    baseline_uar: b.matrix.uar(),
                    difference: e.uar_difference(b, bootstrap)?,
                })
            })
            .collect()
    }

    /// Every row as [`Evaluation::to_json`], in a JSON array.
    pub fn to_json(&self) -> serde_json::Value {
        self.rows.iter().map(|(n, e)| e.to_json(n)).collect()
    }

    /// For one condition, the full report (per-class precision/recall/F1, accuracy, UAR and
    /// its 95 % interval, macro-F1, confusion matrix, reliability table, a calibrated
    /// classifier's ECE interval, novelty, recording-quality concerns); for several, one line
    /// per condition: UAR and its interval, accuracy, ECE and a calibrated classifier's
    /// interval, clips scored, with a feature density the median novelty and the share of
    /// unfamiliar clips, and the share of clips raising each recording-quality concern.
    pub fn to_text(&self) -> String {
        if let [(_, only)] = self.rows.as_slice() {
            let m = &only.matrix;
            let novelty = only.novelty.as_ref().map_or(String::new(), |s| {
                format!(
                    "\nnovelty: median {:.2}, unfamiliar {:.1}%\n",
                    s.median,
                    100.0 * s.unfamiliar
                )
            });
            return format!(
                "{}\naccuracy {:.4}  UAR {:.4} (95% interval over clips {:.3}-{:.3})  macro-F1 {:.4}  n {}\n\n\
                 confusion matrix (rows = true, columns = predicted):\n{}\ncalibration:\n{}\
                 a perfectly calibrated classifier's ECE on these clips: {:.3}-{:.3} (95%)\n{novelty}\
                 recording-quality concerns: {}\n",
                m.report().to_text(2),
                m.accuracy(),
                m.uar(),
                only.uar_interval.low,
                only.uar_interval.high,
                m.macro_f1(),
                m.total(),
                m.to_text(),
                only.calibration.to_text(),
                only.calibrated_ece.low,
                only.calibrated_ece.high,
                concern_shares(only)
            );
        }
        let mut text = format!(
            "{:<24} {:>6} {:>11} {:>8} {:>6} {:>11} {:>5} {:>8} {:>11}  {}\n",
            "condition",
            "UAR",
            "95%",
            "accuracy",
            "ECE",
            "calibrated",
            "n",
            "novelty",
            "unfamiliar",
            "concerns"
        );
        for (name, e) in &self.rows {
            let m = &e.matrix;
            let (uar, acc, ece, n) = (m.uar(), m.accuracy(), e.calibration.ece, m.total());
            let novelty = e
                .novelty
                .as_ref()
                .map_or(format!("{:>8} {:>11}", "-", "-"), |s| {
                    format!("{:>8.2} {:>10.1}%", s.median, 100.0 * s.unfamiliar)
                });
            let span = |i: &Interval| format!("{:.3}-{:.3}", i.low, i.high);
            let (interval, calibrated) = (span(&e.uar_interval), span(&e.calibrated_ece));
            let concerns = concern_shares(e);
            text.push_str(&format!(
                "{name:<24} {uar:>6.3} {interval:>11} {acc:>8.3} {ece:>6.3} {calibrated:>11} {n:>5} {novelty}  {concerns}\n"
            ));
        }
        text
    }

    /// Writes `evaluation.json` ([`ConditionTable::to_json`]) into `dir` (created), and with the
    /// `plot` feature `reliability.svg` (the first condition's reliability diagram) and, for
    /// several conditions, `conditions.svg` and `conditions.png` (UAR per condition).
    pub fn write(&self, dir: impl AsRef<Path>) -> Result<(), Error> {
        let dir = dir.as_ref();
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let json = dir.join("evaluation.json");
        std::fs::write(&json, format!("{:#}", self.to_json())).map_err(io(&json))?;
        #[cfg(feature = "plot")]
        self.plot(dir)?;
        Ok(())
    }

    #[cfg(feature = "plot")]
    fn plot(&self, dir: &Path) -> Result<(), Error> {
        use emovox_metrics::plot;
        let Some((name, first)) = self.rows.first() else {
            return Ok(());
        };
        plot::reliability_diagram(&first.calibration, name, dir.join("reliability.svg"))?;
        if self.rows.len() > 1 {
            let bars: Vec<(String, f64)> = self
                .rows
                .iter()
                .map(|(n, e)| (n.clone(), e.matrix.uar()))
                .collect();
            for ext in ["svg", "png"] {
                let path = dir.join(format!("conditions.{ext}"));
                plot::condition_bars(&bars, "UAR per recording condition", path)?;
            }
        }
        Ok(())
    }
}

/// The concerns some clip of `evaluation` raised, with the share of clips (`noisy 73%,
/// narrowband 100%`), or `none`.
fn concern_shares(evaluation: &Evaluation) -> String {
    let raised: Vec<String> = (evaluation.concerns.iter())
        .filter(|(_, &share)| share > 0.0)
        .map(|(name, share)| format!("{name} {:.0}%", 100.0 * share))
        .collect();
    if raised.is_empty() {
        "none".to_string()
    } else {
        raised.join(", ")
    }
}
