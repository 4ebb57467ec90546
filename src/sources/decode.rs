//! Bytes to text: UTF-8 (BOM stripped), Windows-1252/Latin-1 for legacy files, lossy UTF-8
//! for anything else. Rejects only what cannot be an advisory: empty or binary input.

use super::ParseError;

/// Windows-1252 code points for bytes 0x80..=0x9F (undefined bytes map to U+FFFD).
const CP1252_HIGH: [char; 32] = [
    '€', '\u{FFFD}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{FFFD}', 'Ž', '\u{FFFD}',
    '\u{FFFD}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{FFFD}', 'ž', 'Ÿ',
];

/// Decode advisory bytes into text.
pub fn decode(bytes: &[u8]) -> Result<String, ParseError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::Empty);
    }
    if looks_binary(bytes) {
        return Err(ParseError::Binary);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_owned()),
        Err(_) if !has_utf8_sequences(bytes) => Ok(bytes.iter().map(|&b| cp1252(b)).collect()),
        Err(_) => Ok(String::from_utf8_lossy(bytes).into_owned()),
    }
}

fn cp1252(b: u8) -> char {
    match b {
        0x80..=0x9F => CP1252_HIGH[(b - 0x80) as usize],
        _ => b as char,
    }
}

/// NUL bytes or a high share of control characters mean this is not text.
fn looks_binary(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(8192)];
    if sample.contains(&0) {
        return true;
    }
    let control = sample.iter().filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0C)).count();
    control * 20 > sample.len()
}

/// Whether the bytes contain at least one well-formed multi-byte UTF-8 sequence.
fn has_utf8_sequences(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let len = match b {
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => {
                i += 1;
                continue;
            }
        };
        if let Some(seq) = bytes.get(i..i + len)
            && std::str::from_utf8(seq).is_ok()
        {
            return true;
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes() {
        assert_eq!(decode(b"\xEF\xBB\xBFhello").expect("ok"), "hello");
        assert_eq!(decode(b"caf\xE9 \x93quoted\x94").expect("ok"), "café “quoted”");
        assert_eq!(decode("Ouédraogo".as_bytes()).expect("ok"), "Ouédraogo");
        // Mostly UTF-8 with one stray byte: lossy, not mojibake.
        assert_eq!(
            decode(
                "é \u{2019}x\u{2019} "
                    .as_bytes()
                    .iter()
                    .copied()
                    .chain([0xFF])
                    .collect::<Vec<_>>()
                    .as_slice()
            )
            .expect("ok"),
            "é ’x’ \u{FFFD}"
        );
        assert!(matches!(decode(b""), Err(ParseError::Empty)));
        assert!(matches!(decode(b" \n\t"), Err(ParseError::Empty)));
        assert!(matches!(decode(b"\x7fELF\x02\x01\x01\x00\x00"), Err(ParseError::Binary)));
    }
}
