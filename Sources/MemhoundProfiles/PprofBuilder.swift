import MemhoundOutput

/// Interns mappings, locations and functions while samples are added. Ids are 1-based indices.
struct PprofBuilder {
    var strings = StringTable()
    private var samples: [Perftools_Profiles_Sample] = []
    private var mappings: [Perftools_Profiles_Mapping] = []
    private var mappingIDs: [MappingKey: UInt64] = [:]
    /// Whether every location of a mapping named its function (has_functions).
    private var mappingNamed: [UInt64: Bool] = [:]
    private var locations: [Perftools_Profiles_Location] = []
    private var locationIDs: [LocationKey: UInt64] = [:]
    private var functions: [Perftools_Profiles_Function] = []
    private var functionIDs: [FunctionKey: UInt64] = [:]

    /// Runtime addresses differ between processes, so each process has its own mappings.
    private struct MappingKey: Hashable {
        var pid: Int32
        var module: String
        var buildID: String?
    }

    private struct LocationKey: Hashable {
        var mapping: UInt64
        var address: UInt64
        var lines: [FunctionLine]
    }

    private struct FunctionLine: Hashable {
        var function: UInt64
        var line: Int64
    }

    private struct FunctionKey: Hashable {
        var name: String
        var systemName: String
        var filename: String
    }

    mutating func valueType(_ type: String, unit: String) -> Perftools_Profiles_ValueType {
        var v = Perftools_Profiles_ValueType()
        v.type = strings.index(type)
        v.unit = strings.index(unit)
        return v
    }

    mutating func add(_ site: SiteEntry, of report: ReportLine) {
        var sample = Perftools_Profiles_Sample()
        sample.locationID = site.frames.isEmpty
            ? [unknownStackLocation()]
            : site.locations.map { location($0, pid: report.pid) }
        sample.value = [Int64(clamping: site.faults), Int64(clamping: site.grown),
                        PprofProfile.residentIncrements(site), Int64(clamping: site.bytes)]
        sample.label = [label("pid", String(report.pid))] + (report.comm.map { [label("comm", $0)] } ?? [])
            + [label("category", site.category)]
        samples.append(sample)
    }

    mutating func finish(mainExecutable: String?) -> Perftools_Profiles_Profile {
        for i in mappings.indices { mappings[i].hasFunctions_p = mappingNamed[mappings[i].id] ?? false }
        var profile = Perftools_Profiles_Profile()
        // pprof takes mapping[0] for the main binary (its "File:" header).
        if let main = mainExecutable, let first = mappings.firstIndex(where: { strings.all[Int($0.filename)] == main }) {
            mappings.insert(mappings.remove(at: first), at: 0)
        }
        profile.sample = samples
        profile.mapping = mappings
        profile.location = locations
        profile.function = functions
        return profile
    }

    private mutating func label(_ key: String, _ value: String) -> Perftools_Profiles_Label {
        var l = Perftools_Profiles_Label()
        l.key = strings.index(key)
        l.str = strings.index(value)
        return l
    }

    /// One location: the concrete frame (last) and the frames inlined into it, innermost first,
    /// which is pprof's order of Location.line too.
    private mutating func location(_ frames: [Frame], pid: Int32) -> UInt64 {
        let concrete = frames[frames.count - 1]
        let mapping = mappingID(for: concrete, pid: pid)
        let lines = frames.map { FunctionLine(function: functionID(for: $0), line: Int64($0.line ?? 0)) }
        let key = LocationKey(mapping: mapping, address: concrete.runtimeAddress, lines: lines)
        if let known = locationIDs[key] { return known }
        var l = Perftools_Profiles_Location()
        l.id = UInt64(locations.count + 1)
        l.mappingID = mapping
        l.address = concrete.runtimeAddress
        l.line = lines.map { fl in
            var line = Perftools_Profiles_Line()
            line.functionID = fl.function
            line.line = fl.line
            return line
        }
        locations.append(l)
        locationIDs[key] = l.id
        let named = frames.allSatisfy { $0.function != nil }
        mappingNamed[mapping] = (mappingNamed[mapping] ?? true) && named
        let i = Int(mapping) - 1
        if frames.contains(where: { $0.file != nil }) { mappings[i].hasFilenames_p = true }
        if frames.contains(where: { $0.line != nil }) { mappings[i].hasLineNumbers_p = true }
        if frames.count > 1 { mappings[i].hasInlineFrames_p = true }
        return l.id
    }

    /// A site whose stack was not captured still shows its bytes, under this one frame.
    private mutating func unknownStackLocation() -> UInt64 {
        let function = functionID(name: "[stack not captured]", systemName: "", filename: "")
        let key = LocationKey(mapping: 0, address: 0, lines: [FunctionLine(function: function, line: 0)])
        if let known = locationIDs[key] { return known }
        var l = Perftools_Profiles_Location()
        l.id = UInt64(locations.count + 1)
        var line = Perftools_Profiles_Line()
        line.functionID = function
        l.line = [line]
        locations.append(l)
        locationIDs[key] = l.id
        return l.id
    }

    /// The mapping's range covers the addresses seen in it (reports carry no mapping bounds);
    /// file_offset is the link-time address at memory_start, so address - start + offset stays right.
    private mutating func mappingID(for frame: Frame, pid: Int32) -> UInt64 {
        let key = MappingKey(pid: pid, module: frame.module, buildID: frame.buildID)
        let address = frame.runtimeAddress
        if let id = mappingIDs[key] {
            let i = Int(id) - 1
            if address < mappings[i].memoryStart {
                mappings[i].memoryStart = address
                mappings[i].fileOffset = frame.linkTimeAddress
            }
            mappings[i].memoryLimit = max(mappings[i].memoryLimit, address &+ 1)
            return id
        }
        var m = Perftools_Profiles_Mapping()
        m.id = UInt64(mappings.count + 1)
        m.memoryStart = address
        m.memoryLimit = address &+ 1
        m.fileOffset = frame.linkTimeAddress
        m.filename = strings.index(frame.module)
        m.buildID = strings.index(frame.buildID ?? "")
        mappings.append(m)
        mappingIDs[key] = m.id
        return m.id
    }

    private mutating func functionID(for frame: Frame) -> UInt64 {
        functionID(name: frame.profileName, systemName: frame.mangled ?? frame.profileName, filename: frame.file ?? "")
    }

    private mutating func functionID(name: String, systemName: String, filename: String) -> UInt64 {
        let key = FunctionKey(name: name, systemName: systemName, filename: filename)
        if let known = functionIDs[key] { return known }
        var f = Perftools_Profiles_Function()
        f.id = UInt64(functions.count + 1)
        f.name = strings.index(name)
        f.systemName = strings.index(systemName)
        f.filename = strings.index(filename)
        // start_line stays 0: frames do not carry the line a function starts at.
        functions.append(f)
        functionIDs[key] = f.id
        return f.id
    }
}
