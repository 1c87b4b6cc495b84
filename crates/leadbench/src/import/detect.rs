//! Detecting how a CSV file is written: its encoding, delimiter and whether
//! the first row is a header, and reading it as UTF-8 text.
//!
//! Detection looks at the first 64 KiB only, so it is instant for any file
//! size. Every detected value can be overridden by the caller.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;
use std::rc::Rc;

use encoding_rs::{CoderResult, Decoder, Encoding, UTF_16BE, UTF_16LE, UTF_8};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};

const SAMPLE_BYTES: usize = 64 * 1024;

/// Delimiters tried, in order of preference when they fit equally well.
pub const DELIMITERS: [char; 4] = [',', ';', '\t', '|'];

/// Encoding, delimiter and header row of a CSV file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FileFormat {
    /// WHATWG encoding name, for example `UTF-8`, `UTF-16LE` or `windows-1252`.
    pub encoding: String,
    pub delimiter: char,
    pub has_header: bool,
}

/// The caller's choices that replace detected values.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FormatOverrides {
    /// Encoding label such as `utf-8`, `windows-1252`, `latin1` or `utf-16le`.
    pub encoding: Option<String>,
    pub delimiter: Option<char>,
    pub has_header: Option<bool>,
}

/// Origin of the encoding choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum EncodingSource {
    /// A byte-order mark at the start of the file.
    Bom,
    /// The sample is valid UTF-8.
    ValidUtf8,
    /// A statistical guess for a legacy encoding; show it to the user.
    Guessed,
    /// The caller chose it.
    Chosen,
}

/// Result of [`detect`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Detection {
    pub format: FileFormat,
    pub encoding_source: EncodingSource,
    /// False when no delimiter split the rows into several columns the
    /// same way, so the file was read as one column.
    pub delimiter_found: bool,
    /// Size of the file in bytes.
    #[ts(type = "number")]
    pub file_bytes: u64,
}

/// Detects the encoding, delimiter and header row of the CSV file at
/// `path`, applying `overrides` where given.
pub fn detect(path: &Path, overrides: &FormatOverrides) -> Result<Detection> {
    let (sample, file_bytes) = read_sample(path)?;
    let whole_file = sample.len() as u64 == file_bytes;

    let (encoding, encoding_source) = match &overrides.encoding {
        Some(label) => (encoding_for_label(label)?, EncodingSource::Chosen),
        None => guess_encoding(&sample, whole_file),
    };
    let (text, _, _) = encoding.decode(&sample);
    let mut text = text.into_owned();
    if !whole_file {
        // The sample ends inside a row; drop the partial line.
        if let Some(end) = text.rfind('\n') {
            text.truncate(end + 1);
        }
    }

    let (delimiter, delimiter_found) = match overrides.delimiter {
        Some(delimiter) => (delimiter, true),
        None => sniff_delimiter(&text),
    };
    let has_header = overrides
        .has_header
        .unwrap_or_else(|| first_row_is_header(&text, delimiter));
    Ok(Detection {
        format: FileFormat {
            encoding: encoding.name().to_owned(),
            delimiter,
            has_header,
        },
        encoding_source,
        delimiter_found,
        file_bytes,
    })
}

fn read_sample(path: &Path) -> Result<(Vec<u8>, u64)> {
    let io_error = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(io_error)?;
    let file_bytes = file.metadata().map_err(io_error)?.len();
    let mut sample = Vec::with_capacity(SAMPLE_BYTES);
    file.take(SAMPLE_BYTES as u64)
        .read_to_end(&mut sample)
        .map_err(io_error)?;
    Ok((sample, file_bytes))
}

/// Looks up an encoding by any of its WHATWG labels.
pub fn encoding_for_label(label: &str) -> Result<&'static Encoding> {
    Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
        Error::invalid(
            "encoding",
            label,
            "use a name such as utf-8, utf-16le, windows-1252, iso-8859-1 or iso-8859-15",
        )
    })
}

fn guess_encoding(sample: &[u8], whole_file: bool) -> (&'static Encoding, EncodingSource) {
    if let Some((encoding, _)) = Encoding::for_bom(sample) {
        return (encoding, EncodingSource::Bom);
    }
    match std::str::from_utf8(sample) {
        Ok(_) => return (UTF_8, EncodingSource::ValidUtf8),
        // A sample cut inside a multi-byte character is still UTF-8.
        Err(error) if error.error_len().is_none() && !whole_file => {
            return (UTF_8, EncodingSource::ValidUtf8)
        }
        Err(_) => {}
    }
    if let Some(encoding) = utf16_without_bom(sample) {
        return (encoding, EncodingSource::Guessed);
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(sample, whole_file);
    (detector.guess(None, true), EncodingSource::Guessed)
}

/// Recognises UTF-16 text without a byte-order mark by its zero bytes:
/// ASCII characters have a zero high byte.
fn utf16_without_bom(sample: &[u8]) -> Option<&'static Encoding> {
    let pairs = sample.len() / 2;
    if pairs < 8 {
        return None;
    }
    let even_zeros = sample.iter().step_by(2).filter(|b| **b == 0).count();
    let odd_zeros = sample
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|b| **b == 0)
        .count();
    if odd_zeros * 10 > pairs * 7 && even_zeros * 10 < pairs {
        Some(UTF_16LE)
    } else if even_zeros * 10 > pairs * 7 && odd_zeros * 10 < pairs {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Picks the delimiter that splits the sample's rows into the same number
/// of columns most often; quoted delimiters and line breaks are respected.
fn sniff_delimiter(text: &str) -> (char, bool) {
    let mut best: Option<(f64, usize, char)> = None;
    for delimiter in DELIMITERS {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter as u8)
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let counts: Vec<usize> = reader
            .records()
            .take(100)
            .filter_map(|record| record.ok())
            .map(|record| record.len())
            .collect();
        let Some(header_columns) = counts.first().copied() else {
            continue;
        };
        if header_columns < 2 {
            continue;
        }
        let matching = counts.iter().filter(|c| **c == header_columns).count();
        let consistency = matching as f64 / counts.len() as f64;
        let better = match best {
            None => true,
            Some((score, columns, _)) => {
                consistency > score + 1e-9
                    || (consistency > score - 1e-9 && header_columns > columns)
            }
        };
        if better {
            best = Some((consistency, header_columns, delimiter));
        }
    }
    match best {
        Some((_, _, delimiter)) => (delimiter, true),
        None => (',', false),
    }
}

/// Returns false when the first row contains an e-mail address, a date or
/// a number, because then it is data and not a header.
fn first_row_is_header(text: &str, delimiter: char) -> bool {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter as u8)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let Some(Ok(first)) = reader.records().next() else {
        return true;
    };
    !first.iter().any(|cell| {
        let cell = super::parse::trim_cell(cell);
        cell.contains('@')
            || (!cell.is_empty()
                && cell
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '-' | '/' | '.' | ',' | ':' | ' ')))
    })
}

/// Opens the file as CSV records of UTF-8 text in `format`. The header row
/// is returned as a record like any other.
pub fn open_csv(path: &Path, format: &FileFormat) -> Result<csv::Reader<Box<dyn Read>>> {
    Ok(open_csv_with_lines(path, format)?.0)
}

/// Opens the file like [`open_csv`], with a [`LineCounter`] that gives the
/// line in the file on which each record starts.
pub fn open_csv_with_lines(
    path: &Path,
    format: &FileFormat,
) -> Result<(csv::Reader<Box<dyn Read>>, LineCounter)> {
    let encoding = encoding_for_label(&format.encoding)?;
    if !format.delimiter.is_ascii() {
        return Err(Error::invalid(
            "delimiter",
            format.delimiter.to_string(),
            "use a one-byte delimiter such as , ; | or tab",
        ));
    }
    let file = File::open(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    let counter = LineCounter::default();
    let decoded: Box<dyn Read> = Box::new(NewlineTap {
        inner: DecodingReader::new(BufReader::with_capacity(1 << 16, file), encoding),
        offset: 0,
        breaks: counter.breaks.clone(),
    });
    let reader = csv::ReaderBuilder::new()
        .delimiter(format.delimiter as u8)
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(decoded);
    Ok((reader, counter))
}

/// Line numbers of CSV records in the file. The csv crate's own line count
/// is off for files with CRLF line ends, blank lines or line breaks inside
/// quoted cells, so this counts the line feeds of the decoded text itself.
// NOTE: a file whose lines end in a lone carriage return (classic Mac OS)
// reads as one line.
#[derive(Debug, Default)]
pub struct LineCounter {
    /// Offsets of the carriage returns and line feeds that the CSV reader
    /// has read ahead and that no record start has passed yet, with `true`
    /// for a line feed.
    breaks: Rc<RefCell<VecDeque<(u64, bool)>>>,
    /// Line feeds before the last record asked about.
    passed: u64,
}

impl LineCounter {
    /// Returns the line (from 1) of the record that the CSV reader reports
    /// at byte offset `start` of the decoded file. That offset can point at
    /// the line break ending the record before, or at blank lines, which the
    /// reader skips, so line breaks right at `start` are passed as well.
    /// Offsets must not decrease between calls.
    pub fn line_at(&mut self, start: u64) -> u64 {
        let mut breaks = self.breaks.borrow_mut();
        let mut next = start;
        while let Some(&(offset, line_feed)) = breaks.front() {
            if offset > next {
                break;
            }
            if offset == next {
                next += 1;
            }
            breaks.pop_front();
            self.passed += u64::from(line_feed);
        }
        self.passed + 1
    }
}

/// Passes text through, noting the offset of each carriage return and line
/// feed. The CSV reader reads at most its buffer ahead, so the queue stays
/// small.
struct NewlineTap<R> {
    inner: R,
    offset: u64,
    breaks: Rc<RefCell<VecDeque<(u64, bool)>>>,
}

impl<R: Read> Read for NewlineTap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        let mut breaks = self.breaks.borrow_mut();
        for (index, byte) in buf[..read].iter().enumerate() {
            if matches!(byte, b'\r' | b'\n') {
                breaks.push_back((self.offset + index as u64, *byte == b'\n'));
            }
        }
        self.offset += read as u64;
        Ok(read)
    }
}

/// Turns a byte stream in any encoding into UTF-8, dropping a byte-order
/// mark and replacing malformed sequences with U+FFFD. Memory use is fixed.
pub struct DecodingReader<R> {
    inner: R,
    decoder: Decoder,
    input: Vec<u8>,
    input_start: usize,
    input_end: usize,
    input_done: bool,
    output: Vec<u8>,
    output_start: usize,
    output_end: usize,
    finished: bool,
}

impl<R: Read> DecodingReader<R> {
    /// Wraps `inner`, whose bytes are in `encoding` (a BOM of any Unicode
    /// encoding takes precedence).
    pub fn new(inner: R, encoding: &'static Encoding) -> Self {
        DecodingReader {
            inner,
            decoder: encoding.new_decoder_with_bom_removal(),
            input: vec![0; 1 << 16],
            input_start: 0,
            input_end: 0,
            input_done: false,
            output: vec![0; 3 << 16],
            output_start: 0,
            output_end: 0,
            finished: false,
        }
    }
}

impl<R: Read> Read for DecodingReader<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.output_start < self.output_end {
                let count = buffer.len().min(self.output_end - self.output_start);
                buffer[..count]
                    .copy_from_slice(&self.output[self.output_start..self.output_start + count]);
                self.output_start += count;
                return Ok(count);
            }
            if self.finished {
                return Ok(0);
            }

            if self.input_start == self.input_end && !self.input_done {
                self.input_end = self.inner.read(&mut self.input)?;
                self.input_start = 0;
                self.input_done = self.input_end == 0;
            }

            let last = self.input_done;
            let (result, read, written, _) = self.decoder.decode_to_utf8(
                &self.input[self.input_start..self.input_end],
                &mut self.output,
                last,
            );
            self.input_start += read;
            self.output_start = 0;
            self.output_end = written;
            if last && result == CoderResult::InputEmpty {
                self.finished = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect_bytes(bytes: &[u8]) -> Detection {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sample.csv");
        std::fs::write(&path, bytes).unwrap();
        detect(&path, &FormatOverrides::default()).unwrap()
    }

    fn read_all(bytes: &[u8], format: &FileFormat) -> Vec<Vec<String>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sample.csv");
        std::fs::write(&path, bytes).unwrap();
        let mut reader = open_csv(&path, format).unwrap();
        reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect()
    }

    #[test]
    fn windows_1252_guessed_and_decoded() {
        let bytes = b"naam;bedrijf\nRen\xe9 Caf\xe9;Cr\xe8me br\xfbl\xe9e B.V.\nZo\xeb Mulder;Caf\xe9 \x80 Co\n";
        let detection = detect_bytes(bytes);
        assert_eq!(detection.format.encoding, "windows-1252");
        assert_eq!(detection.format.delimiter, ';');
        let rows = read_all(bytes, &detection.format);
        assert_eq!(rows[1][0], "René Café");
        assert_eq!(rows[2][1], "Café € Co");
    }

    #[test]
    fn utf16_with_bom_decoded() {
        let text = "email\tname\nanna@example.nl\tAnna Visser\n";
        let mut bytes = vec![0xFF, 0xFE];
        for unit in text.encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let detection = detect_bytes(&bytes);
        assert_eq!(detection.format.encoding, "UTF-16LE");
        assert_eq!(detection.encoding_source, EncodingSource::Bom);
        assert_eq!(detection.format.delimiter, '\t');
        let rows = read_all(&bytes, &detection.format);
        assert_eq!(rows[0][0], "email");
        assert_eq!(rows[1][1], "Anna Visser");
    }

    #[test]
    fn pipe_delimiter_and_headerless_file() {
        let detection = detect_bytes(b"anna@example.nl|Anna\nbram@example.nl|Bram\n");
        assert_eq!(detection.format.delimiter, '|');
        assert!(!detection.format.has_header);
    }

    #[test]
    fn single_column_reported() {
        let detection = detect_bytes(b"email\nanna@example.nl\n");
        assert!(!detection.delimiter_found);
    }
}
