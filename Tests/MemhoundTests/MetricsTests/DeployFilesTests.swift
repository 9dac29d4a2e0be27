import Foundation
@testable import MemhoundMetrics
import XCTest

/// docs/deploy: the alert rules pass promtool, and the Grafana dashboard is valid JSON whose every
/// PromQL expression names only families memhound exports.
final class DeployFilesTests: XCTestCase {
    private let deploy = MetricsFixtures.repository.appendingPathComponent("docs/deploy")
    private let exported = Set(MetricFamily.all.map(\.name))

    func testRulesPassPromtoolCheckAndTests() throws {
        let promtool = try MetricsFixtures.promtool()
        let check = try MetricsFixtures.run(promtool, ["check", "rules", deploy.appendingPathComponent("prometheus-rules.yml").path])
        XCTAssertEqual(check.status, 0, check.output)
        let test = try MetricsFixtures.run(promtool, ["test", "rules", deploy.appendingPathComponent("prometheus-rules.test.yml").path])
        XCTAssertEqual(test.status, 0, test.output)
    }

    func testRulesNameOnlyExportedFamilies() throws {
        let text = try String(contentsOf: deploy.appendingPathComponent("prometheus-rules.yml"), encoding: .utf8)
        let names = Set(PromQLNames.matches(#"\bmemhound_[a-z0-9_]+\b"#, in: text))
        XCTAssertFalse(names.isEmpty)
        XCTAssertEqual(names.subtracting(exported), [], "rules name families memhound does not export")
    }

    func testDashboardExpressionsNameOnlyExportedFamilies() throws {
        let data = try Data(contentsOf: deploy.appendingPathComponent("grafana-dashboard.json"))
        let dashboard = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any], "not a JSON object")
        XCTAssertNotNil(dashboard["panels"] as? [Any])
        let expressions = PromQLNames.expressions(in: dashboard)
        XCTAssertGreaterThanOrEqual(expressions.count, 10)
        var used: Set<String> = []
        for expr in expressions {
            let names = PromQLNames.metricNames(expr)
            XCTAssertFalse(names.isEmpty, "no metric in \(expr)")
            for name in names { XCTAssertTrue(exported.contains(name), "\(name) in \(expr) is not a family memhound exports") }
            used.formUnion(names)
        }
        // What the dashboard is for: RSS observed vs attributed, categories, top sites, losses.
        for family in [MetricFamily.rss, .attributed, .category, .siteResident, .lost, .lostRecords] {
            XCTAssertTrue(used.contains(family.name), "the dashboard shows no \(family.name)")
        }
    }

    func testNameCheckerSeesThroughPromQL() {
        XCTAssertEqual(PromQLNames.metricNames(#"sum by (kind) (rate(memhound_lost_total{instance=~"$instance",x="a{b}"}[5m]))"#),
                       ["memhound_lost_total"])
        XCTAssertEqual(PromQLNames.metricNames("label_values(memhound_up, instance)"), ["memhound_up"])
        XCTAssertEqual(PromQLNames.metricNames("a_bytes / on (pid) group_left (comm) node_memory_MemTotal_bytes > 0.5"),
                       ["a_bytes", "node_memory_MemTotal_bytes"])
    }
}

/// Metric names in PromQL, for the checks above (strings, matchers, ranges and groupings left out).
enum PromQLNames {
    static func metricNames(_ expr: String) -> [String] {
        var text = expr
        for (pattern, replacement) in [
            (#""(?:[^"\\]|\\.)*""#, "\"\""),  // string literals
            (#"\{[^}]*\}"#, ""),  // label matchers
            (#"\[[^\]]*\]"#, ""),  // ranges
            (#"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)"#, ""),  // groupings
            (#"label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)[^)]*\)"#, "$1"),  // Grafana's label_values(metric, label)
        ] {
            text = text.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
        }
        let keywords: Set<String> = ["and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
                                     "group_right", "offset", "bool", "inf", "nan"]
        return matches(#"(?<![$\w])[A-Za-z_:][A-Za-z0-9_:]*\b(?!\s*\()"#, in: text).filter { !keywords.contains($0.lowercased()) }
    }

    /// Every `expr` of the dashboard's panels and every query of its variables.
    static func expressions(in value: Any) -> [String] {
        var found: [String] = []
        if let object = value as? [String: Any] {
            for (key, child) in object {
                if key == "expr", let expr = child as? String { found.append(expr) }
                if key == "templating", let list = (child as? [String: Any])?["list"] as? [[String: Any]] {
                    for variable in list where variable["type"] as? String == "query" {
                        if let query = (variable["query"] as? [String: Any])?["query"] as? String ?? variable["query"] as? String {
                            found.append(query)
                        }
                    }
                } else {
                    found += expressions(in: child)
                }
            }
        } else if let array = value as? [Any] {
            for child in array { found += expressions(in: child) }
        }
        return found
    }

    static func matches(_ pattern: String, in text: String) -> [String] {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range, in: text).map { String(text[$0]) }
        }
    }
}
