// Cgroups and programs started in them, for the watch and alert tests.
import Foundation
import XCTest

extension XCTestCase {
    /// A v1 memory cgroup below memhound's own (the unified hierarchy where v1 has no memory
    /// controller), with `children` nested below it; all removed when the test ends.
    func makeCgroup(limit: UInt64? = nil, children: [String] = []) throws -> (dir: String, path: String) {
        let text = try String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)
        let name = "memhound-watch-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let base: String, mount: String, limitFile: String
        if let v1 = text.split(separator: "\n").first(where: { $0.split(separator: ":")[1].split(separator: ",").contains("memory") }) {
            mount = "/sys/fs/cgroup/memory"
            base = String(v1.split(separator: ":", maxSplits: 2)[2])
            limitFile = "memory.limit_in_bytes"
        } else {
            let unified = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("0::") }, "no memory cgroup")
            mount = "/sys/fs/cgroup"
            base = String(unified.dropFirst(3))
            limitFile = "memory.max"
        }
        let path = (base == "/" ? "" : base) + "/" + name
        let dir = mount + path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        for child in children { try FileManager.default.createDirectory(atPath: dir + "/" + child, withIntermediateDirectories: true) }
        addTeardownBlock {
            for child in children.reversed() { _ = rmdir(dir + "/" + child) }
            _ = rmdir(dir)
        }
        if let limit { try "\(limit)".write(toFile: dir + "/" + limitFile, atomically: false, encoding: .utf8) }
        return (dir, path)
    }

    /// Starts `program` inside the cgroup directory `dir`: a shell joins it, then becomes the program.
    func startIn(_ dir: String, _ program: String, _ arguments: [String]) throws -> Spawned {
        try Spawned("/bin/sh", ["-c", "echo $$ > \"$0\"/cgroup.procs && exec \"$@\"", dir, program] + arguments)
    }

    func startWatch(_ arguments: [String]) throws -> Spawned {
        let watch = try Memhound.start(["watch", "--interval", "1", "--format", "json"] + arguments)
        XCTAssertTrue(watch.out.wait(for: "\"type\":\"start\"", timeout: 30), watch.err.text)
        return watch
    }
}
