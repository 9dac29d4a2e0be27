import Glibc

/// A failure of the kernel side, with what to do about it.
public struct KernelError: Error, CustomStringConvertible, Sendable {
    public enum Step: Sendable, Equatable {
        case load, attach(program: String), addTarget(pid: Int32), watchCgroup, poll, readMap(String), writeMap(String)
    }

    public var step: Step
    public var errno: Int32
    /// libbpf's last messages, for `--verbose`.
    public var log: String

    public init(step: Step, errno: Int32, log: String = "") {
        self.step = step
        self.errno = errno
        self.log = log
    }

    /// True when the cause is missing privileges rather than missing kernel support.
    public var isPermission: Bool { errno == EPERM || errno == EACCES }

    public var description: String {
        let reason = String(cString: strerror(errno))
        let what: String
        switch step {
        case .load: what = "loading the BPF programs failed"
        case let .attach(program): what = "attaching \(program) failed"
        case let .addTarget(pid): what = "adding pid \(pid) to the traced set failed"
        case .watchCgroup: what = "adding a cgroup to the watched set failed"
        case .poll: what = "reading the ring buffer failed"
        case let .readMap(name): what = "reading BPF map \(name) failed"
        case let .writeMap(name): what = "writing BPF map \(name) failed"
        }
        return "\(what): \(reason) (\(advice))"
    }

    private var advice: String {
        switch errno {
        case EPERM, EACCES:
            "run as root, or with CAP_BPF, CAP_PERFMON and CAP_DAC_READ_SEARCH"
        case ENOENT where isAttach:
            "this kernel lacks the tracepoint; run `memhound check`"
        case EINVAL, ENOTSUP, E2BIG:
            "the kernel lacks a needed BPF feature (BTF, ring buffer); run `memhound check`"
        case ENOMEM:
            "not enough memory for BPF maps; check the memory cgroup limit"
        default:
            "run `memhound check` to see what this host supports"
        }
    }

    private var isAttach: Bool {
        if case .attach = step { return true }
        return false
    }
}
