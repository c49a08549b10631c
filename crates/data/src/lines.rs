//! Editor line numbers for CSV records.
//!
//! The csv crate gives each record its starting byte ([`csv::Position::byte`]); its
//! `Position::line` is the line where the reader *was* when the record began, which is one
//! short after a CRLF terminator (the `\n` is consumed with the next record) and after
//! blank lines (skipped inside the next read). So this reader wrapper only remembers the
//! offsets of the line-break bytes the parser has not yet passed, and
//! [`LineTracker::start_line`] skips the break bytes a record starts with, as the parser
//! does, to find the line of its first real byte. It knows nothing of CSV's grammar: the
//! parser alone decides where records and quoted fields begin and end.

use std::collections::VecDeque;
use std::io::{self, Read};

/// A reader that records where the `\r` and `\n` bytes are.
#[derive(Debug)]
pub(crate) struct LineTracker<R> {
    inner: R,
    /// Bytes read so far.
    offset: u64,
    /// Offsets of break bytes not yet passed, and whether each is a `\n`.
    breaks: VecDeque<(u64, bool)>,
    /// `\n` bytes already passed.
    newlines_passed: u64,
}

impl<R> LineTracker<R> {
    pub(crate) fn new(inner: R) -> Self {
        LineTracker {
            inner,
            offset: 0,
            breaks: VecDeque::new(),
            newlines_passed: 0,
        }
    }

    /// The 1-based line of the first byte at or after `start` that is not a line break.
    ///
    /// `start` is a record's starting byte offset; calls must come in increasing order (they
    /// do: records are read in order), which lets passed offsets be forgotten.
    pub(crate) fn start_line(&mut self, mut start: u64) -> u64 {
        while let Some(&(at, newline)) = self.breaks.front() {
            if at > start {
                break;
            }
            if at == start {
                start += 1;
            }
            self.newlines_passed += u64::from(newline);
            self.breaks.pop_front();
        }
        self.newlines_passed + 1
    }
}

impl<R: Read> Read for LineTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let read = buf.get(..n).unwrap_or_default();
        for (k, &b) in read.iter().enumerate() {
            if b == b'\n' || b == b'\r' {
                self.breaks.push_back((self.offset + k as u64, b == b'\n'));
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Start lines of every record of `text`, as the loader computes them.
    fn lines(text: &str) -> Vec<u64> {
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(LineTracker::new(text.as_bytes()));
        let mut record = csv::ByteRecord::new();
        let mut out = Vec::new();
        while csv.read_byte_record(&mut record).unwrap() {
            let start = record.position().map_or(0, |p| p.byte());
            out.push(csv.get_mut().start_line(start));
        }
        out
    }

    #[test]
    fn lf_crlf_blank_lines_and_quoted_newlines() {
        assert_eq!(lines("h\na\nb\n"), [1, 2, 3]);
        assert_eq!(lines("h\r\na\r\nb\r\n"), [1, 2, 3]);
        assert_eq!(lines("h\r\n\r\n\r\na\r\nb"), [1, 4, 5]);
        assert_eq!(lines("\n\nh\n\na\n"), [3, 5]);
        assert_eq!(lines("h\r\n\"c\r\nd\"\r\ne\r\n"), [1, 2, 4]);
        assert_eq!(lines("h\n\"c\n\n\nd\",x\ne"), [1, 2, 6]);
        assert_eq!(lines("\u{feff}h\na"), [1, 2]);
    }

    #[test]
    fn long_inputs_cross_buffer_boundaries() {
        let mut text = String::new();
        for k in 0..5000 {
            if k % 7 == 0 {
                text.push_str("\"multi\r\nline\",1\r\n");
            } else {
                text.push_str("plain,1\r\n");
            }
        }
        let got = lines(&text);
        let mut expected = Vec::new();
        let mut line = 1;
        for k in 0..5000 {
            expected.push(line);
            line += if k % 7 == 0 { 2 } else { 1 };
        }
        assert_eq!(got, expected);
    }
}
