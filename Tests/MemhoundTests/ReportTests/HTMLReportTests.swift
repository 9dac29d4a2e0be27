import MemhoundReport
import XCTest

final class HTMLReportTests: XCTestCase {
    private func page(_ text: String, pid: Int32? = nil) throws -> String {
        let summary = try RunReader.read(text: text)
        XCTAssertEqual(summary.warnings, [], "every line must still decode")
        return HTMLReport(summary: summary, source: "run.jsonl", pid: pid).render()
    }

    func testShowsSitesTimelineAndFlameGraph() throws {
        let html = try page(ReportFixture.text())
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertEqual(html.components(separatedBy: #"<svg class="timeline""#).count - 1, 1, "only the main process has enough samples")
        XCTAssertEqual(html.components(separatedBy: #"<svg class="flame""#).count - 1, 2)
        XCTAssertTrue(html.contains(#"<code class="site-name">grow_cache</code>"#))
        XCTAssertTrue(html.contains(#"<code class="site-name">child_grow</code>"#))
        XCTAssertTrue(html.contains("<span class=\"n\">48.0 MiB</span>"))
        // The flame graph's leaf row names the leak and its share of the process's resident bytes.
        XCTAssertTrue(html.contains("<title>grow_cache&#10;48.0 MiB, 9"), "grow_cache holds 48 of 51 MiB")
        XCTAssertTrue(html.contains("<title>leaker (13682)&#10;51.1 MiB, 100.0%</title>"))
        XCTAssertTrue(html.contains(#"<polyline class="observed""#))
        XCTAssertTrue(html.contains(#"<polyline class="attributed""#))
        XCTAssertTrue(html.contains(#"<polygon class="area""#))
        XCTAssertTrue(html.contains(#"<g class="marker exit">"#))
        XCTAssertTrue(html.contains("None in this recording."), "no alert or oom_kill lines yet")
        // Full stacks, collapsible: grow_cache's frames with file and line.
        XCTAssertTrue(html.contains(#"<details class="site-row">"#))
        XCTAssertTrue(html.contains(#"<code class="fn">grow_cache</code> <span class="where">"#))
    }

    func testCgoSitesAreMarked() throws {
        let html = try page(ReportFixture.withCgo(), pid: ReportFixture.mainPid)
        XCTAssertTrue(html.contains(#"malloc_heap <b class="cgo" title="grown by C code called through cgo">cgo</b></span>"#), html)
        XCTAssertTrue(html.contains("cgo: <b>3.0 MiB</b> held by sites C code called through cgo grew"))
        XCTAssertFalse(try page(ReportFixture.text()).contains(#"class="cgo""#), "not a Go program")
    }

    func testSelfContained() throws {
        let html = try page(ReportFixture.text())
        for remote in ["src=", "href=\"http", "@import", "url(", "<link"] {
            XCTAssertFalse(html.contains(remote), "the page must not load anything: \(remote)")
        }
    }

    func testEscapesEveryStringFromTheFile() throws {
        let evilFrame = "<script>alert(1)</script>"
        let evilComm = #""><img src=x onerror=alert(2)>"#
        var text = try ReportFixture.text(replacing: #""function":"grow_cache""#, with: #""function":"# + ReportFixture.json(evilFrame))
        text = text.replacingOccurrences(of: #""comm":"leaker""#, with: #""comm":"# + ReportFixture.json(evilComm))
        text = text.replacingOccurrences(of: #""file":""#, with: #""file":"</title><script>alert(3)</script>"#)
        let html = try page(text)
        XCTAssertFalse(html.contains(evilFrame))
        XCTAssertFalse(html.contains("<img"))
        XCTAssertFalse(html.contains("<script>alert"))
        XCTAssertEqual(html.components(separatedBy: "<script>").count - 1, 1, "only the page's own script")
        XCTAssertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        XCTAssertTrue(html.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"))
    }

    func testAlertsAndOOMKillsAreMarked() throws {
        let extra = #"{"kind":"growth","message":"<b>RSS</b> grew","pid":13682,"schema":1,"severity":"warning","time":"2026-12-02T01:03:42.000Z","type":"alert"}"#
            + "\n" + #"{"comm":"leaker","pid":13682,"schema":1,"time":"2026-12-02T01:03:43.000Z","type":"oom_kill"}"# + "\n"
        let html = try page(ReportFixture.text() + extra)
        XCTAssertTrue(html.contains(#"<g class="marker alert">"#))
        XCTAssertTrue(html.contains(#"<g class="marker oom">"#))
        XCTAssertTrue(html.contains("<td>growth</td><td>warning</td>"))
        XCTAssertTrue(html.contains("&lt;b&gt;RSS&lt;/b&gt; grew"))
        XCTAssertFalse(html.contains("None in this recording."))
    }

    func testRetransmitTableAndPidFilter() throws {
        let html = try page(ReportFixture.withRetransmits(), pid: ReportFixture.mainPid)
        XCTAssertTrue(html.contains("<code>10.77.0.1:47456 -&gt; 10.77.0.2:5001</code></td><td>ESTABLISHED</td>"))
        XCTAssertFalse(html.contains("child_grow"))
    }
}
