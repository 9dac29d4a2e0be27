// Placeholder until the cgroup memory reader lands.
public struct CgroupMemoryInfo: Codable, Equatable, Sendable { public init() {} }
public struct PressureInfo: Codable, Equatable, Sendable { public init() {} }
