/// The container a process runs in, as its cgroup path names it. Container runtimes name the cgroup
/// after the container; these are the patterns recognised (docs/design.md, "Containers"):
///
/// | runtime | cgroup path (v1 memory hierarchy or v2) |
/// |---|---|
/// | Kubernetes, cgroupfs driver | `/kubepods/[burstable|besteffort/]pod<uid>/<64 hex>` |
/// | Kubernetes, systemd driver | `/kubepods.slice/kubepods-<qos>.slice/kubepods-<qos>-pod<uid>.slice/<runtime>-<64 hex>.scope` with `cri-containerd`, `crio` or `docker` |
/// | Docker | `/docker/<64 hex>`, `/system.slice/docker-<64 hex>.scope` |
/// | containerd (not Kubernetes) | `/<namespace>/<id>` is not recognised: it has no marker |
/// | Podman | `/machine.slice/libpod-<64 hex>.scope`, `.../libpod-<64 hex>.scope/container` |
/// | systemd | `<name>.scope` or `<name>.service`, the last one in the path (no container id) |
public struct ContainerIdentity: Sendable, Equatable {
    /// "docker", "containerd", "cri-o", "podman", or "systemd" (a unit, not a container).
    public var runtime: String
    /// The container id (64 hex digits), or the systemd unit's name.
    public var id: String
    /// The Kubernetes pod's uid, with dashes, when the path has one.
    public var podUID: String?

    public init(runtime: String, id: String, podUID: String? = nil) {
        self.runtime = runtime
        self.id = id
        self.podUID = podUID
    }

    /// Nil when no pattern matches (a process outside any container or unit).
    public static func parse(cgroupPath path: String) -> ContainerIdentity? {
        let parts = path.split(separator: "/").map(String.init)
        let pod = parts.lazy.compactMap(podUID(in:)).first
        // Innermost first: a container's scope may hold a "container" child (podman) or be nested.
        for part in parts.reversed() {
            if let (runtime, id) = scopeContainer(part) {
                return ContainerIdentity(runtime: runtime, id: id, podUID: pod)
            }
            if isContainerID(part) {
                let runtime = parts.contains("docker") ? "docker" : (pod != nil ? "containerd" : "docker")
                return ContainerIdentity(runtime: runtime, id: part, podUID: pod)
            }
        }
        if let unit = parts.last(where: { $0.hasSuffix(".scope") || $0.hasSuffix(".service") }) {
            return ContainerIdentity(runtime: "systemd", id: unit, podUID: pod)
        }
        return nil
    }

    /// `docker-<id>.scope`, `cri-containerd-<id>.scope`, `crio-<id>.scope`, `libpod-<id>.scope`.
    private static func scopeContainer(_ part: String) -> (String, String)? {
        guard part.hasSuffix(".scope") else { return nil }
        let name = part.dropLast(".scope".count)
        for (prefix, runtime) in [("cri-containerd-", "containerd"), ("crio-", "cri-o"), ("docker-", "docker"),
                                  ("libpod-", "podman")] where name.hasPrefix(prefix) {
            let id = String(name.dropFirst(prefix.count))
            if isContainerID(id) { return (runtime, id) }
        }
        return nil
    }

    /// `pod<uid>` (cgroupfs) or `kubepods-<qos>-pod<uid with underscores>.slice` (systemd).
    private static func podUID(in part: String) -> String? {
        var name = Array(part.utf8)
        if part.hasSuffix(".slice") { name.removeLast(".slice".utf8.count) }
        let marker = Array("pod".utf8)
        guard name.count > marker.count,
              let start = (0...(name.count - marker.count)).reversed().first(where: { Array(name[$0..<($0 + marker.count)]) == marker })
        else { return nil }
        let uid = String(decoding: name[(start + marker.count)...].map { $0 == UInt8(ascii: "_") ? UInt8(ascii: "-") : $0 },
                         as: UTF8.self).lowercased()
        let groups: [Int] = uid.split(separator: Character("-"), maxSplits: 8, omittingEmptySubsequences: false).map { (g: Substring) in g.count }
        guard groups == [8, 4, 4, 4, 12], uid.allSatisfy({ $0.isHexDigit || $0 == "-" }) else { return nil }
        return uid
    }

    static func isContainerID(_ s: String) -> Bool {
        s.count == 64 && s.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
