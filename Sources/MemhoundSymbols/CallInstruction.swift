/// Recognizes x86-64 call instructions by the bytes that end right before a
/// return address. A heuristic check that a stack word is a return address.
enum CallInstruction {
    /// `code` holds the 7 bytes before the candidate return address.
    static func endsAt(_ code: [UInt8]) -> Bool {
        precondition(code.count == 7)
        // call rel32: E8 xx xx xx xx
        if code[2] == 0xE8 { return true }
        // call r/m64 is FF /2; the ModRM byte follows FF (after an optional REX prefix).
        func isCallModRM(_ modrm: UInt8, length: Int) -> Bool {
            guard (modrm >> 3) & 7 == 2 else { return false }
            let mod = modrm >> 6, rm = modrm & 7
            switch (mod, length) {
            case (3, 2): return true                      // call reg
            case (0, 2): return rm != 4 && rm != 5        // call [reg]
            case (0, 3): return rm == 4                   // call [sib]
            case (1, 3): return rm != 4                   // call [reg+disp8]
            case (1, 4): return rm == 4                   // call [sib+disp8]
            case (0, 6): return rm == 5                   // call [rip+disp32]
            case (2, 6): return rm != 4                   // call [reg+disp32]
            case (2, 7), (0, 7): return rm == 4           // call [sib+disp32]
            default: return false
            }
        }
        for length in [2, 3, 4, 6, 7] {
            let start = 7 - length
            if code[start] == 0xFF, isCallModRM(code[start + 1], length: length) { return true }
            // With a REX prefix (41 FF D0 = call r8) the instruction is one byte longer.
            if start >= 1, code[start - 1] & 0xF0 == 0x40, code[start] == 0xFF,
               isCallModRM(code[start + 1], length: length) { return true }
        }
        return false
    }
}
