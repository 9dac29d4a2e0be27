/// The memory categories in the order the timeline stacks them, with their colours.
enum CategoryStyle {
    static let order = ["off_heap_mmap", "malloc_heap", "go_heap", "goroutine_stacks", "go_runtime", "thread_stacks", "other"]

    private static let colors: [String: String] = [
        "off_heap_mmap": "#4e79a7", "malloc_heap": "#59a14f", "go_heap": "#76b7b2", "goroutine_stacks": "#edc948",
        "go_runtime": "#b07aa1", "thread_stacks": "#ff9da7", "other": "#bab0ac",
    ]
    private static let spare = ["#9c755f", "#86bcb6", "#d37295", "#a0cbe8", "#f1ce63"]

    static func color(_ name: String) -> String {
        if let known = colors[name] { return known }
        return spare[Int(name.utf8.reduce(0) { ($0 &* 31 &+ UInt32($1)) } % UInt32(spare.count))]
    }

    /// Known categories first, in `order`, then any others by name.
    static func sorted(_ names: Set<String>) -> [String] {
        order.filter(names.contains) + names.subtracting(order).sorted()
    }
}
