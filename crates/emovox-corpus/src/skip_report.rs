//! Skipped files as a report a person can read: each file when there are few, a count per
//! reason with a few of its files when there are many (a CREMA-D download's MP3 copies are
//! 7,442 files skipped for one reason).

use std::fmt;
use std::path::Path;

use crate::SkippedFile;

/// Skipped files as a short report for a terminal, built with [`SkipReport::new`] and shown
/// with `Display`: nothing when no file was skipped; each file and its reason, one per line,
/// when at most [`SkipReport::LISTED`] were; otherwise a first line with the total, then one
/// line per distinct reason (the most frequent first) with its count and its first
/// [`SkipReport::EXAMPLES`] files. Manifest reasons that differ only in their `line N: `
/// prefix count as one reason.
///
/// ```
/// use emovox_corpus::{SkipReport, SkippedFile};
///
/// let skipped: Vec<SkippedFile> = (0..50)
///     .map(|i| SkippedFile::new(format!("AudioMP3/{i}.mp3"), "another copy"))
///     .collect();
/// let report = SkipReport::new(&skipped).to_string();
/// assert!(report.starts_with("skipped 50 files"));
/// assert_eq!(report.lines().count(), 2);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct SkipReport<'a> {
    skipped: &'a [SkippedFile],
}

impl<'a> SkipReport<'a> {
    /// Up to this many skipped files, each is listed with its reason.
    pub const LISTED: usize = 10;
    /// Files named per reason when the files are summarised.
    pub const EXAMPLES: usize = 3;

    /// The report of `skipped`.
    pub fn new(skipped: &'a [SkippedFile]) -> Self {
        Self { skipped }
    }

    /// The distinct reasons (the `line N: ` prefix of a manifest's reasons left out) with
    /// their files, the most frequent reason first, ties in order of first appearance.
    fn by_reason(&self) -> Vec<(&'a str, Vec<&'a Path>)> {
        let mut groups: Vec<(&str, Vec<&Path>)> = Vec::new();
        for file in self.skipped {
            let reason = without_line_prefix(&file.reason);
            match groups.iter_mut().find(|(r, _)| *r == reason) {
                Some((_, files)) => files.push(&file.path),
                None => groups.push((reason, vec![&file.path])),
            }
        }
        // A stable sort keeps first appearance among equal counts.
        groups.sort_by_key(|(_, files)| std::cmp::Reverse(files.len()));
        groups
    }
}

impl fmt::Display for SkipReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.skipped.len() <= Self::LISTED {
            for file in self.skipped {
                writeln!(f, "skipped {}: {}", file.path.display(), file.reason)?;
            }
            return Ok(());
        }
        let groups = self.by_reason();
        writeln!(
            f,
            "skipped {} files, for {} reason{}:",
            self.skipped.len(),
            groups.len(),
            if groups.len() == 1 { "" } else { "s" }
        )?;
        for (reason, files) in groups {
            let shown: Vec<String> = files
                .iter()
                .take(Self::EXAMPLES)
                .map(|p| p.display().to_string())
                .collect();
            let more = files.len().saturating_sub(Self::EXAMPLES);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            let count = files.len();
            writeln!(f, "  {count} x {reason}: {}{more}", shown.join(", "))?;
        }
        Ok(())
    }
}

/// `reason` without a manifest's `line N: ` prefix.
fn without_line_prefix(reason: &str) -> &str {
    let Some(rest) = reason.strip_prefix("line ") else {
        return reason;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    match rest[digits..].strip_prefix(": ") {
        Some(tail) if digits > 0 => tail,
        _ => reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(n: usize, reason: &str) -> Vec<SkippedFile> {
        (0..n)
            .map(|i| SkippedFile::new(format!("{reason}/{i}.wav"), reason))
            .collect()
    }

    #[test]
    fn nothing_skipped_is_nothing_shown() {
        assert_eq!(SkipReport::new(&[]).to_string(), "");
    }

    #[test]
    fn a_few_files_are_each_listed() {
        let skipped = files(SkipReport::LISTED, "too short");
        let report = SkipReport::new(&skipped).to_string();
        assert_eq!(report.lines().count(), SkipReport::LISTED);
        assert!(report.starts_with("skipped too short/0.wav: too short\n"));
    }

    #[test]
    fn many_files_are_counted_per_reason_most_frequent_first() {
        let mut skipped = files(4, "too short");
        skipped.extend(files(7442, "another copy"));
        let report = SkipReport::new(&skipped).to_string();
        let lines: Vec<&str> = report.lines().collect();
        assert_eq!(lines[0], "skipped 7446 files, for 2 reasons:");
        assert_eq!(
            lines[1],
            "  7442 x another copy: another copy/0.wav, another copy/1.wav, \
             another copy/2.wav and 7439 more"
        );
        assert_eq!(
            lines[2],
            "  4 x too short: too short/0.wav, too short/1.wav, too short/2.wav and 1 more"
        );
        assert_eq!(lines.len(), 3);
    }

    #[test]
    fn manifest_line_numbers_do_not_split_a_reason() {
        let skipped: Vec<SkippedFile> = (0..12)
            .map(|i| {
                SkippedFile::new(
                    format!("{i}.wav"),
                    format!("line {}: file does not exist", i + 2),
                )
            })
            .collect();
        let report = SkipReport::new(&skipped).to_string();
        assert_eq!(report.lines().count(), 2, "{report}");
        assert!(report.contains("12 x file does not exist: 0.wav, 1.wav, 2.wav and 9 more"));
    }

    #[test]
    fn only_a_line_number_prefix_is_left_out() {
        assert_eq!(without_line_prefix("line 12: gone"), "gone");
        assert_eq!(without_line_prefix("line : gone"), "line : gone");
        assert_eq!(without_line_prefix("line 1x: gone"), "line 1x: gone");
        assert_eq!(without_line_prefix("lines 3: gone"), "lines 3: gone");
    }
}
