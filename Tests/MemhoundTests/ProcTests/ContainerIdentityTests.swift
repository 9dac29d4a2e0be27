import MemhoundProc
import XCTest

final class ContainerIdentityTests: XCTestCase {
    let id = "3f4c2a1b9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b"

    func testKubernetesCgroupfsAndSystemdDrivers() {
        XCTAssertEqual(ContainerIdentity.parse(cgroupPath: "/kubepods/burstable/pod1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901/\(id)"),
                       ContainerIdentity(runtime: "containerd", id: id, podUID: "1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901"))
        XCTAssertEqual(ContainerIdentity.parse(cgroupPath:
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b2c3d4e_5f60_7182_93a4_b5c6d7e8f901.slice/cri-containerd-\(id).scope"),
                       ContainerIdentity(runtime: "containerd", id: id, podUID: "1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901"))
        XCTAssertEqual(ContainerIdentity.parse(cgroupPath:
            "/kubepods.slice/kubepods-pod1b2c3d4e_5f60_7182_93a4_b5c6d7e8f901.slice/crio-\(id).scope")?.runtime, "cri-o")
    }

    func testDockerPodmanAndSystemd() {
        XCTAssertEqual(ContainerIdentity.parse(cgroupPath: "/docker/\(id)"), ContainerIdentity(runtime: "docker", id: id))
        XCTAssertEqual(ContainerIdentity.parse(cgroupPath: "/system.slice/docker-\(id).scope"),
                       ContainerIdentity(runtime: "docker", id: id))
        XCTAssertEqual(ContainerIdentity.parse(cgroupPath: "/machine.slice/libpod-\(id).scope/container"),
                       ContainerIdentity(runtime: "podman", id: id))
        XCTAssertEqual(ContainerIdentity.parse(cgroupPath: "/system.slice/redis-server.service"),
                       ContainerIdentity(runtime: "systemd", id: "redis-server.service"))
        XCTAssertEqual(ContainerIdentity.parse(cgroupPath: "/user.slice/user-0.slice/session-3.scope")?.id, "session-3.scope")
    }

    func testWhatIsNotAContainer() {
        XCTAssertNil(ContainerIdentity.parse(cgroupPath: "/"))
        XCTAssertNil(ContainerIdentity.parse(cgroupPath: "/process_api/faf64fd80c27b00a6bc8720190d30801"))
        XCTAssertNil(ContainerIdentity.parse(cgroupPath: "/docker/notanid"))
        XCTAssertNil(ContainerIdentity.parse(cgroupPath: "/kubepods/podnot-a-uid/xyz"))
        XCTAssertEqual(ContainerIdentity.parse(cgroupPath: "/system.slice/docker-\(id.uppercased()).scope")?.runtime, "systemd",
                       "ids are lowercase hex")
    }

    func testNSpidIsParsedFromStatus() throws {
        let status = try ProcessStatus.parse("Name:\tapp\nTgid:\t4242\nNSpid:\t4242\t17\t1\nRssAnon:\t 4 kB\n")
        XCTAssertEqual(status.nsPids, [4242, 17, 1])
        XCTAssertEqual(try ProcessStatus.parse("Name:\tapp\nTgid:\t7\n").nsPids, [])
        XCTAssertEqual(try ProcessStatus.parse("Name:\tapp\nTgid:\t7\nNSpid:\t7\tx\n").nsPids, [], "a bad line is ignored")
    }
}
