//! Editor line numbers for CSV records.
//!
//! csv's `Position::line` is the line where the reader *was* when a record began, which is
//! one line short after a CRLF terminator (the `\n` is consumed with the next record) and
//! after blank lines (skipped inside the next read). So the loader counts lines itself:
//! this reader wrapper remembers the offsets of line-break bytes the parser has not yet
//! passed, and [`LineTracker::start_line`] skips the break bytes a record starts with,
//! exactly as the parser does, to find the line of its first real byte.
//!
//! It also follows the parser's quoting (RFC 4180 with doubled quotes, as the csv crate's
//! defaults): a quote at the start of a field opens a quoted field, `""` inside is a quote,
//! a lone quote closes it. A quote still open at the end of input means the parser read the
//! rest of the file as one field; [`LineTracker::unclosed_quote`] says where it opened, so
//! the error can say so instead of reporting a wrong field count.

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
    /// `\n` bytes read so far.
    newlines_read: u64,
    /// Where the parser stands with respect to quoting.
    quoting: Quoting,
    /// Offset and 1-based line of the quote that opened the current quoted field.
    opened: (u64, u64),
    /// The inner reader returned end of input.
    eof: bool,
}

/// The quoting states of the csv parser, as far as they matter for finding an open quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quoting {
    /// At the start of a field (after a delimiter, a line break, or at the start).
    FieldStart,
    /// Inside an unquoted field: a quote here is an ordinary byte.
    Unquoted,
    /// Inside a quoted field.
    Quoted,
    /// Just after a quote inside a quoted field: a second quote is an escaped quote.
    QuoteInQuoted,
}

impl<R> LineTracker<R> {
    pub(crate) fn new(inner: R) -> Self {
        LineTracker {
            inner,
            offset: 0,
            breaks: VecDeque::new(),
            newlines_passed: 0,
            newlines_read: 0,
            quoting: Quoting::FieldStart,
            opened: (0, 0),
            eof: false,
        }
    }

    /// The offset and 1-based line of a quote that opened a field never closed before the
    /// end of input (known once the parser has reached the end).
    pub(crate) fn unclosed_quote(&self) -> Option<(u64, u64)> {
        (self.eof && self.quoting == Quoting::Quoted).then_some(self.opened)
    }

    /// Advances the quoting state over one byte at `offset`.
    fn follow(&mut self, b: u8, offset: u64) {
        let boundary = b == b',' || b == b'\n' || b == b'\r';
        self.quoting = match (self.quoting, b) {
            (Quoting::FieldStart, b'"') => {
                self.opened = (offset, self.newlines_read + 1);
                Quoting::Quoted
            }
            (Quoting::Quoted, b'"') => Quoting::QuoteInQuoted,
            (Quoting::Quoted, _) => Quoting::Quoted,
            (Quoting::QuoteInQuoted, b'"') => Quoting::Quoted,
            (_, _) if boundary => Quoting::FieldStart,
            _ => Quoting::Unquoted,
        };
        if b == b'\n' {
            self.newlines_read += 1;
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
        self.eof |= n == 0 && !buf.is_empty();
        for (k, &b) in read.iter().enumerate() {
            let at = self.offset + k as u64;
            if b == b'\n' || b == b'\r' {
                self.breaks.push_back((at, b == b'\n'));
            }
            self.follow(b, at);
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

    /// Where an unclosed quote opened, after the parser read all of `text`.
    fn unclosed(text: &str) -> Option<(u64, u64)> {
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(LineTracker::new(text.as_bytes()));
        let mut record = csv::ByteRecord::new();
        while csv.read_byte_record(&mut record).unwrap() {}
        csv.get_ref().unclosed_quote()
    }

    #[test]
    fn an_open_quote_at_the_end_is_found_with_its_line() {
        assert_eq!(unclosed("a,b\n1,\"2\n3,4\n"), Some((6, 2)));
        assert_eq!(unclosed("a,b\n1,\"2\"\"\n3,4\n"), Some((6, 2)));
        assert_eq!(unclosed("a,b\n1,\"2\"\n3,4\n"), None);
        assert_eq!(unclosed("a,b\n1,\"x\ny\"\n\"\"\"\n"), Some((12, 4)));
        // A quote inside an unquoted field is an ordinary byte.
        assert_eq!(unclosed("a,b\n1,2\"\n3,4\n"), None);
        assert_eq!(unclosed("a,b\r\n\"q\"z,1\r\n"), None);
        assert_eq!(unclosed(""), None);
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
