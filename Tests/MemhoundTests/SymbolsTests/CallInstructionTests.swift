@testable import MemhoundSymbols
import XCTest

final class CallInstructionTests: XCTestCase {
    private func ends(_ tail: [UInt8]) -> Bool {
        CallInstruction.endsAt(Array(repeating: 0x90, count: 7 - tail.count) + tail)
    }

    func testRecognizesCommonCalls() {
        XCTAssertTrue(ends([0xE8, 0x10, 0x20, 0x30, 0x40]))              // call rel32
        XCTAssertTrue(ends([0xFF, 0xD0]))                                // call rax
        XCTAssertTrue(ends([0x41, 0xFF, 0xD3]))                          // call r11
        XCTAssertTrue(ends([0xFF, 0x15, 0x01, 0x02, 0x03, 0x04]))        // call [rip+disp32]
        XCTAssertTrue(ends([0xFF, 0x50, 0x08]))                          // call [rax+8]
        XCTAssertTrue(ends([0xFF, 0x14, 0x24]))                          // call [rsp]
    }

    func testRejectsOtherCode() {
        XCTAssertFalse(ends([0x90, 0x90]))
        XCTAssertFalse(ends([0xFF, 0xE0]))                               // jmp rax (FF /4)
        XCTAssertFalse(CallInstruction.endsAt([0x48, 0x89, 0xE5, 0x48, 0x83, 0xEC, 0x10]))  // mov rbp,rsp; sub rsp,16
    }
}
