//! A minimal CSV reader for manifests and speaker tables (RFC 4180 quoting, one record a line).

use std::path::Path;

use super::CorpusError;

/// One non-blank line of a CSV file, split into fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CsvRecord {
    /// 1-based line number in the file.
    pub line: usize,
    /// The fields, unquoted, surrounding spaces trimmed.
    pub fields: Vec<String>,
}

/// Reads `path` as CSV: the header row's column names (lower case) and the records after it.
/// Blank lines are ignored; a byte-order mark and `\r\n` line ends are accepted.
pub(crate) fn read_csv(path: &Path) -> Result<(Vec<String>, Vec<CsvRecord>), CorpusError> {
    let text = std::fs::read_to_string(path).map_err(|source| CorpusError::Io {
        path: path.to_owned(),
        source,
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut records = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fields = split_record(line).map_err(|reason| CorpusError::BadCsv {
            path: path.to_owned(),
            line: index + 1,
            reason,
        })?;
        records.push(CsvRecord {
            line: index + 1,
            fields,
        });
    }
    if records.is_empty() {
        return Err(CorpusError::BadCsv {
            path: path.to_owned(),
            line: 1,
            reason: "the file is empty (a header row is required)".into(),
        });
    }
    let header = records.remove(0);
    let columns = header.fields.iter().map(|f| f.to_lowercase()).collect();
    Ok((columns, records))
}

/// Splits one CSV line into fields; `"` quotes a field and `""` inside quotes is a quote.
fn split_record(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.trim().is_empty() => {
                field.clear();
                quoted = true;
            }
            (false, ',') => fields.push(std::mem::take(&mut field).trim().to_owned()),
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err("unterminated quoted field".into());
    }
    fields.push(field.trim().to_owned());
    Ok(fields)
}

/// The position of column `name` in `columns`, if present.
pub(crate) fn column(columns: &[String], name: &str) -> Option<usize> {
    columns.iter().position(|c| c == name)
}

#[cfg(test)]
mod tests {
    use super::split_record;

    #[test]
    fn quoted_fields_keep_commas_and_quotes() {
        assert_eq!(
            split_record(r#"a, "b,c" ,"say ""hi""",d"#).unwrap(),
            vec!["a", "b,c", r#"say "hi""#, "d"]
        );
        assert_eq!(split_record("x,,y").unwrap(), vec!["x", "", "y"]);
        assert!(split_record(r#"a,"open"#).is_err());
    }
}
