//! The codebooks of a Vorbis setup header, checked before symphonia builds them.
//!
//! symphonia 0.5's Vorbis decoder trusts what a codebook declares: a few dozen bytes can ask it
//! for a lookup table of 2^24 entries of 2^16 dimensions (a 4 TiB allocation, which aborts the
//! process), a codeword longer than 32 bits or more codewords than their lengths allow (an
//! index out of bounds), a codebook of zero
//! dimensions (a zero-sized chunk or step) or an entry count whose `lookup1_values` its float estimate
//! gets wrong (an `assert!`). In OGG a page checksum stands between a damaged file and this
//! parser, but not between it and a forged one; in Matroska nothing does. These are the limits
//! libvorbis itself applies (`vorbis_staticbook_unpack`: at most 2^24 values per codebook), and
//! the exact `lookup1_values`; after the codebooks, floor 1 positions that repeat (a division
//! by zero when a packet is decoded) and residue class books that do not exist (an index out of
//! bounds). What symphonia refuses on its own (a bad sync pattern, a header cut short) is left
//! to it, as are the mappings and modes after the residues (symphonia checks their indices).

/// Why a Vorbis setup header is refused, or `Ok` when its codebooks are within bounds (or it
/// is malformed in a way symphonia reports itself). `setup` is the whole packet, from its
/// packet type byte (5) and `vorbis`.
pub(crate) fn check_setup(setup: &[u8]) -> Result<(), &'static str> {
    let Some(body) = setup.strip_prefix(b"\x05vorbis") else {
        return Ok(());
    };
    let mut bits = Bits { data: body, at: 0 };
    let Some(count) = bits.read(8) else {
        return Ok(());
    };
    for _ in 0..=count {
        match check_codebook(&mut bits) {
            Some(Ok(())) => {}
            Some(Err(reason)) => return Err(reason),
            None => return Ok(()), // cut short or not a codebook: symphonia says so
        }
    }
    check_floors_and_residues(&mut bits, count + 1).unwrap_or(Ok(()))
}

/// The time-domain placeholders, floors and residues after the codebooks (`codebooks` of
/// them), read as symphonia reads them: `None` where symphonia stops with an error of its own.
/// Refuses what libvorbis refuses and symphonia divides or indexes by at decode time: a floor
/// 1 x position repeated (symphonia checks the positions read, not against the two implied
/// ones, 0 and `2^rangebits`: a zero-length segment divides by zero), a residue class book
/// past the codebooks.
fn check_floors_and_residues(
    bits: &mut Bits<'_>,
    codebooks: u32,
) -> Option<Result<(), &'static str>> {
    for _ in 0..=bits.read(6)? {
        bits.read(16)?;
    }
    for _ in 0..=bits.read(6)? {
        match bits.read(16)? {
            0 => {
                // order, rate, bark map size, amplitude bits and offset, then the books.
                for width in [8, 16, 16, 6, 8] {
                    bits.read(width)?;
                }
                for _ in 0..=bits.read(4)? {
                    bits.read(8)?;
                }
            }
            1 => {
                if let Err(reason) = check_floor1(bits)? {
                    return Some(Err(reason));
                }
            }
            _ => return None,
        }
    }
    for _ in 0..=bits.read(6)? {
        if bits.read(16)? > 2 {
            return None;
        }
        // begin, end, partition size.
        for width in [24, 24, 24] {
            bits.read(width)?;
        }
        let classifications = bits.read(6)? + 1;
        if bits.read(8)? >= codebooks {
            return Some(Err(
                "a Vorbis residue whose class book is not one of the codebooks",
            ));
        }
        let mut cascades = Vec::new();
        for _ in 0..classifications {
            let low = bits.read(3)?;
            let high = if bits.read(1)? == 1 { bits.read(5)? } else { 0 };
            cascades.push((high << 3) | low);
        }
        for cascade in cascades {
            for _ in 0..cascade.count_ones() {
                bits.read(8)?;
            }
        }
    }
    Some(Ok(()))
}

/// A floor 1 setup: its partitions' classes, the classes, then the x positions, every one of
/// which (with the implied 0 and `2^rangebits`) must differ.
fn check_floor1(bits: &mut Bits<'_>) -> Option<Result<(), &'static str>> {
    let partitions = bits.read(5)?;
    let classes_of_partitions = (0..partitions)
        .map(|_| bits.read(4))
        .collect::<Option<Vec<u32>>>()?;
    let class_count = classes_of_partitions.iter().max().map_or(0, |&m| m + 1);
    let mut dimensions = Vec::new();
    for _ in 0..class_count {
        dimensions.push(bits.read(3)? + 1);
        let subclass_bits = bits.read(2)?;
        if subclass_bits > 0 {
            bits.read(8)?;
        }
        for _ in 0..1u32 << subclass_bits {
            bits.read(8)?;
        }
    }
    bits.read(2)?;
    let range_bits = bits.read(4)?;
    let mut positions = vec![0, 1u32 << range_bits];
    for class in classes_of_partitions {
        for _ in 0..dimensions[class as usize] {
            if positions.len() >= 65 {
                return None; // symphonia refuses more than 65
            }
            let x = bits.read(range_bits)?;
            if positions.contains(&x) {
                return Some(Err("a Vorbis floor with an x position repeated"));
            }
            positions.push(x);
        }
    }
    Some(Ok(()))
}

/// One codebook, read as symphonia reads it: `None` where symphonia stops with an error of its
/// own.
fn check_codebook(bits: &mut Bits<'_>) -> Option<Result<(), &'static str>> {
    if bits.read(24)? != 0x0056_4342 {
        return None;
    }
    let dimensions = bits.read(16)?;
    let entries = bits.read(24)?;
    if ilog(dimensions) + ilog(entries) > 24 {
        return Some(Err("a Vorbis codebook of more than 2^24 values"));
    }
    if dimensions == 0 {
        // No encoder writes one; symphonia steps through residues by it (`step_by(0)`).
        return Some(Err("a Vorbis codebook of 0 dimensions"));
    }
    // The codewords' share of the code space (Kraft's sum), in units of a 32-bit codeword.
    let mut space = 0u64;
    if bits.read(1)? == 0 {
        let sparse = bits.read(1)? == 1;
        for _ in 0..entries {
            if !sparse || bits.read(1)? == 1 {
                space += 1 << (32 - (bits.read(5)? + 1));
            }
        }
    } else {
        let mut length = bits.read(5)? + 1;
        let mut entry = 0u32;
        while entry < entries {
            let count = bits.read(ilog(entries - entry))?;
            if count > 0 && length > 32 {
                return Some(Err("a Vorbis codebook with codewords over 32 bits"));
            }
            space += u64::from(count) << (32 - length.min(32));
            length += 1;
            entry = entry.checked_add(count)?;
        }
        if entry > entries {
            return None;
        }
    }
    if space > 1 << 32 {
        // symphonia reports most such trees as overspecified; one completed by 32-bit
        // codewords walks its codeword table below index 0.
        return Some(Err(
            "a Vorbis codebook with more codewords than its lengths allow",
        ));
    }
    let lookup = bits.read(4)?;
    if lookup == 0 {
        return Some(Ok(()));
    }
    if lookup > 2 {
        return None;
    }
    bits.read(32)?;
    bits.read(32)?;
    let value_bits = bits.read(4)? + 1;
    bits.read(1)?;
    let values = if lookup == 1 {
        match lookup1_values(entries, dimensions) {
            Some(values) => values,
            None => {
                return Some(Err(
                    "a Vorbis codebook whose lookup values symphonia estimates wrongly",
                ))
            }
        }
    } else {
        entries * dimensions
    };
    bits.skip(u64::from(values) * u64::from(value_bits))?;
    Some(Ok(()))
}

/// Vorbis's `lookup1_values`: the largest `v` with `v^dimensions <= entries`, computed as
/// symphonia computes it (an f32 root, floored) and `None` where that is not exact or
/// `(v + 1)^dimensions` overflows a u32 (symphonia asserts both powers against `entries`, in
/// u32 arithmetic that wraps or panics).
fn lookup1_values(entries: u32, dimensions: u32) -> Option<u32> {
    let estimate = (entries as f32).powf(1.0 / dimensions as f32).floor() as u32;
    let power = |v: u32| v.checked_pow(dimensions);
    let (low, high) = (power(estimate)?, power(estimate.checked_add(1)?)?);
    (low <= entries && high > entries).then_some(estimate)
}

/// The number of bits of `value` (Vorbis's `ilog`: 0 for 0).
fn ilog(value: u32) -> u32 {
    u32::BITS - value.leading_zeros()
}

/// Vorbis's bit packing: each byte's bits from its least significant one.
struct Bits<'a> {
    data: &'a [u8],
    /// The next bit's position from the start of `data`.
    at: u64,
}

impl Bits<'_> {
    /// The next `count` bits (at most 32) as an integer, the first read the least significant;
    /// `None` past the end.
    fn read(&mut self, count: u32) -> Option<u32> {
        let mut value = 0u64;
        for i in 0..u64::from(count) {
            let at = self.at + i;
            let byte = *self.data.get(usize::try_from(at / 8).ok()?)?;
            value |= u64::from((byte >> (at % 8)) & 1) << i;
        }
        self.at += u64::from(count);
        u32::try_from(value).ok()
    }

    /// Skips `count` bits; `None` past the end.
    fn skip(&mut self, count: u64) -> Option<()> {
        let end = self.at.checked_add(count)?;
        (end <= self.data.len() as u64 * 8).then(|| self.at = end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Vorbis bit packing, for forging codebooks.
    #[derive(Default)]
    struct Writer {
        bytes: Vec<u8>,
        at: usize,
    }

    impl Writer {
        fn put(&mut self, value: u32, count: u32) -> &mut Self {
            for i in 0..count {
                if self.at.is_multiple_of(8) {
                    self.bytes.push(0);
                }
                let last = self.bytes.len() - 1;
                self.bytes[last] |= (((value >> i) & 1) as u8) << (self.at % 8);
                self.at += 1;
            }
            self
        }

        fn setup(&self) -> Vec<u8> {
            [&b"\x05vorbis"[..], &self.bytes].concat()
        }
    }

    /// One codebook (of `count + 1`) whose lengths are given in ordered mode: a first length of
    /// `first`, then one entry per length, `entries` in all.
    fn ordered(dimensions: u32, entries: u32, first: u32) -> Writer {
        let mut w = Writer::default();
        w.put(0, 8).put(0x56_4342, 24).put(dimensions, 16);
        w.put(entries, 24).put(1, 1).put(first - 1, 5);
        let mut entry = 0;
        while entry < entries {
            w.put(1, ilog(entries - entry));
            entry += 1;
        }
        w
    }

    #[test]
    fn a_well_formed_codebook_passes() {
        // 4 entries of 2 dimensions, lengths 2, 3, 4, 5 (ordered; a Kraft sum under 1), a
        // lookup table of type 1 (2 values per dimension) of 3-bit multiplicands.
        let mut w = ordered(2, 4, 2);
        w.put(1, 4).put(0, 32).put(0, 32).put(2, 4).put(0, 1);
        w.put(0b101_011, 6); // lookup1_values(4, 2) = 2 multiplicands of 3 bits
        assert_eq!(check_setup(&w.setup()), Ok(()));
        // Cut short or not a setup header: symphonia's to report.
        assert_eq!(check_setup(&w.setup()[..12]), Ok(()));
        assert_eq!(check_setup(b"\x01vorbis"), Ok(()));
    }

    #[test]
    fn what_symphonia_cannot_take_is_refused() {
        // 2^24 - 1 entries of 2^16 - 1 dimensions in a lookup table: 4 TiB.
        let mut w = Writer::default();
        w.put(0, 8)
            .put(0x56_4342, 24)
            .put(0xFFFF, 16)
            .put(0xFF_FFFF, 24);
        let err = check_setup(&w.setup()).unwrap_err();
        assert!(err.contains("more than 2^24 values"), "{err}");
        // Ordered lengths that reach 33 bits.
        let err = check_setup(&ordered(1, 40, 30).setup()).unwrap_err();
        assert!(err.contains("codewords over 32 bits"), "{err}");
        // Three codewords of 1 bit.
        let mut w = Writer::default();
        w.put(0, 8)
            .put(0x56_4342, 24)
            .put(1, 16)
            .put(3, 24)
            .put(0, 1)
            .put(0, 1);
        w.put(0, 5).put(0, 5).put(0, 5);
        let err = check_setup(&w.setup()).unwrap_err();
        assert!(err.contains("more codewords than"), "{err}");
        // A codebook of 0 dimensions.
        let err = check_setup(&ordered(0, 2, 1).setup()).unwrap_err();
        assert!(err.contains("0 dimensions"), "{err}");
    }

    #[test]
    fn lookup1_values_is_exact_or_refused() {
        assert_eq!(lookup1_values(4, 2), Some(2));
        assert_eq!(lookup1_values(8, 3), Some(2));
        assert_eq!(lookup1_values(9, 2), Some(3));
        assert_eq!(lookup1_values(1, 16), Some(1));
        // 125^3 - 1 (the first of 51 such counts under 2^24 values): the f32 cube root rounds
        // up to 125, whose cube is too large.
        assert_eq!(lookup1_values(125 * 125 * 125 - 1, 3), None);
        assert_eq!(lookup1_values(125 * 125 * 125, 3), Some(125));
        // One entry of 32 dimensions: 2^32 overflows symphonia's u32.
        assert_eq!(lookup1_values(1, 31), Some(1));
        assert_eq!(lookup1_values(1, 32), None);
    }
}
