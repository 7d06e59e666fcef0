//! The text form of a [`Condition`]: `white:10`, `reverb:0.5+babble:10`, ... parsed and
//! printed, and lists of them by name.

use std::fmt;
use std::str::FromStr;

use super::{bad, standard_conditions, Condition, DegradeError, DEFAULT_TALKERS};

impl Condition {
    /// Parses the text form: `clean`, `gain:-20` (or `gain:+6`), `clipping:12`, `compression:4`, `white:20`, `pink:10`,
    /// `babble:10` (4 talkers) or `babble:10:6`, `telephone`, `reverb:0.5`, `tilt:-6` (or
    /// `tilt:+6`), `offset:-6`, `hum:50:30` (mains Hz, SNR dB), `opus:12` (kbit/s) or `opus:12:10` (and 10 % of
    /// packets lost), `amr:12.2` (AMR-NB kbit/s), and stages joined by `+` (`reverb:0.4+babble:10`),
    /// which give a [`Condition::Chain`]. Names are case-insensitive, spaces around stages are ignored, and
    /// ranges are checked as in [`Condition::validate`].
    ///
    /// `Display` prints this form; `parse(&c.to_string()) == c` for every valid condition
    /// whose chains are flat and hold at least two stages (a nested chain prints flattened,
    /// a one-stage chain prints as its stage, an empty chain as `clean`).
    pub fn parse(s: &str) -> Result<Condition, DegradeError> {
        let stages = split_stages(s);
        if stages.len() == 1 {
            return parse_stage(stages[0]);
        }
        stages
            .into_iter()
            .map(parse_stage)
            .collect::<Result<Vec<_>, _>>()
            .map(|stages| Condition::Chain { stages })
    }
}

/// Splits at each `+` followed (after optional spaces) by a letter, unless it directly
/// follows a `:` (after optional spaces): `gain:+6`, `1e+3` and `gain:+inf` keep their signs.
fn split_stages(s: &str) -> Vec<&str> {
    let mut stages = Vec::new();
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if c == '+' {
            let next = s[i + 1..].trim_start().chars().next();
            let sign = s[..i].trim_end().ends_with(':');
            if !sign && next.is_some_and(|n| n.is_ascii_alphabetic()) {
                stages.push(&s[start..i]);
                start = i + 1;
            }
        }
    }
    stages.push(&s[start..]);
    stages
}

fn parse_number<T: FromStr>(condition: &str, what: &str, text: &str) -> Result<T, DegradeError> {
    text.trim()
        .parse()
        .map_err(|_| bad(condition, format!("cannot parse {what} {:?}", text.trim())))
}

/// Checks that a stage has `min..=max` parameters.
fn check_arity(name: &str, count: usize, min: usize, max: usize) -> Result<(), DegradeError> {
    if (min..=max).contains(&count) {
        Ok(())
    } else if max == 0 {
        Err(bad(name, "takes no parameter"))
    } else if min == max {
        Err(bad(
            name,
            format!("expects {min} parameter(s), e.g. {name}:10"),
        ))
    } else {
        Err(bad(
            name,
            format!("expects {min} to {max} parameters, e.g. {name}:10:4"),
        ))
    }
}

/// The only parameter of a one-parameter stage.
fn only_parameter<T: FromStr>(name: &str, params: &[&str], what: &str) -> Result<T, DegradeError> {
    check_arity(name, params.len(), 1, 1)?;
    parse_number(name, what, params[0])
}

fn parse_stage(stage: &str) -> Result<Condition, DegradeError> {
    let stage = stage.trim();
    let mut parts = stage.split(':');
    let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let params: Vec<&str> = parts.collect();
    let name = name.as_str();
    let condition = match name {
        "clean" => {
            check_arity(name, params.len(), 0, 0)?;
            Condition::Clean
        }
        "telephone" => {
            check_arity(name, params.len(), 0, 0)?;
            Condition::Telephone
        }
        "gain" => Condition::Gain {
            db: only_parameter(name, &params, "gain (dB)")?,
        },
        "clipping" => Condition::Clipping {
            db: only_parameter(name, &params, "depth (dB)")?,
        },
        "compression" => Condition::Compression {
            ratio: only_parameter(name, &params, "ratio")?,
        },
        "white" => Condition::White {
            snr_db: only_parameter(name, &params, "SNR (dB)")?,
        },
        "pink" => Condition::Pink {
            snr_db: only_parameter(name, &params, "SNR (dB)")?,
        },
        "babble" => {
            check_arity(name, params.len(), 1, 2)?;
            Condition::Babble {
                snr_db: parse_number(name, "SNR (dB)", params[0])?,
                talkers: match params.get(1) {
                    Some(text) => parse_number(name, "talkers", text)?,
                    None => DEFAULT_TALKERS,
                },
            }
        }
        "reverb" => Condition::Reverb {
            rt60: only_parameter(name, &params, "RT60 (s)")?,
        },
        "tilt" => Condition::Tilt {
            db: only_parameter(name, &params, "tilt (dB)")?,
        },
        "offset" => Condition::Offset {
            db: only_parameter(name, &params, "offset (dB)")?,
        },
        "hum" => {
            check_arity(name, params.len(), 2, 2)?;
            Condition::Hum {
                hz: parse_number(name, "mains frequency (Hz)", params[0])?,
                snr_db: parse_number(name, "SNR (dB)", params[1])?,
            }
        }
        "opus" => {
            check_arity(name, params.len(), 1, 2)?;
            Condition::Opus {
                kbps: parse_number(name, "bitrate (kbit/s)", params[0])?,
                loss: match params.get(1) {
                    Some(text) => parse_number(name, "packet loss (%)", text)?,
                    None => 0.0,
                },
            }
        }
        "amr" => {
            check_arity(name, params.len(), 1, 1)?;
            Condition::Amr {
                kbps: parse_number(name, "bitrate (kbit/s)", params[0])?,
            }
        }
        "pad" => Condition::Pad {
            seconds: only_parameter(name, &params, "silence (s)")?,
        },
        _ => return Err(DegradeError::UnknownCondition(stage.to_string())),
    };
    condition.validate()?;
    Ok(condition)
}

impl FromStr for Condition {
    type Err = DegradeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Condition::parse(s)
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Clean => f.write_str("clean"),
            Condition::Gain { db } => write!(f, "gain:{db:+}"),
            Condition::Clipping { db } => write!(f, "clipping:{db}"),
            Condition::Compression { ratio } => write!(f, "compression:{ratio}"),
            Condition::White { snr_db } => write!(f, "white:{snr_db}"),
            Condition::Pink { snr_db } => write!(f, "pink:{snr_db}"),
            Condition::Babble { snr_db, talkers } if *talkers == DEFAULT_TALKERS => {
                write!(f, "babble:{snr_db}")
            }
            Condition::Babble { snr_db, talkers } => write!(f, "babble:{snr_db}:{talkers}"),
            Condition::Telephone => f.write_str("telephone"),
            Condition::Reverb { rt60 } => write!(f, "reverb:{rt60}"),
            Condition::Tilt { db } => write!(f, "tilt:{db:+}"),
            Condition::Offset { db } => write!(f, "offset:{db:+}"),
            Condition::Hum { hz, snr_db } => write!(f, "hum:{hz}:{snr_db}"),
            Condition::Opus { kbps, loss } if *loss == 0.0 => write!(f, "opus:{kbps}"),
            Condition::Opus { kbps, loss } => write!(f, "opus:{kbps}:{loss}"),
            Condition::Amr { kbps } => write!(f, "amr:{kbps}"),
            Condition::Pad { seconds } => write!(f, "pad:{seconds}"),
            Condition::Chain { stages } if stages.is_empty() => f.write_str("clean"),
            Condition::Chain { stages } => {
                for (i, stage) in stages.iter().enumerate() {
                    if i > 0 {
                        f.write_str("+")?;
                    }
                    write!(f, "{stage}")?;
                }
                Ok(())
            }
        }
    }
}

/// Conditions by name, in order: `standard` expands to [`standard_conditions`], any other name
/// is parsed as a [`Condition`] (`white:10`, `reverb:0.5+babble:10`, ...) and keeps its text
/// as its name.
///
/// ```
/// let conditions = emovox_audio::degrade::parse_conditions(&["clean", "standard"])?;
/// assert_eq!(conditions[0].0, "clean");
/// assert_eq!(conditions.len(), 1 + emovox_audio::standard_conditions().len());
/// assert!(emovox_audio::degrade::parse_conditions(&["white:loud"]).is_err());
/// # Ok::<(), emovox_audio::DegradeError>(())
/// ```
pub fn parse_conditions(
    names: &[impl AsRef<str>],
) -> Result<Vec<(String, Condition)>, DegradeError> {
    let mut out = Vec::new();
    for name in names.iter().map(AsRef::as_ref) {
        if name == "standard" {
            out.extend(standard_conditions());
        } else {
            out.push((name.to_string(), name.parse()?));
        }
    }
    Ok(out)
}
