import Glibc
import NIOCore
import NIOHTTP1
import NIOPosix

/// The HTTP/1.1 server of `--metrics`: one event loop thread, /metrics and /healthz (MetricsRoutes).
public final class MetricsServer: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    public let endpoint: MetricsEndpoint

    /// Binds `endpoint` now, so a port in use fails before tracing starts.
    init(endpoint: MetricsEndpoint, routes: MetricsRoutes) throws(MetricsServerError) {
        group = Self.eventLoopGroup()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(routes: routes))
                }
            }
        do {
            channel = try bootstrap.bind(host: endpoint.host, port: endpoint.port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw MetricsServerError(endpoint: endpoint, underlying: error)
        }
        self.endpoint = endpoint
    }

    public func shutdown() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    /// The loop's thread inherits this thread's signal mask: with SIGINT, SIGTERM and SIGHUP
    /// blocked there, they reach the session's thread, whose poll they interrupt (CMemhoundProcess).
    private static func eventLoopGroup() -> MultiThreadedEventLoopGroup {
        var blocked = sigset_t(), previous = sigset_t()
        sigemptyset(&blocked)
        for sig in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&blocked, sig) }
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        // Threads start lazily in some versions: make sure the loop's thread exists now.
        _ = try? group.next().submit {}.wait()
        return group
    }
}

/// Why --metrics could not listen, as one line.
public struct MetricsServerError: Error, CustomStringConvertible, Sendable {
    public var endpoint: MetricsEndpoint
    public var reason: String

    init(endpoint: MetricsEndpoint, underlying: any Error) {
        self.endpoint = endpoint
        if let io = underlying as? IOError {
            reason = String(cString: strerror(io.errnoCode)).lowercased()
        } else if let unknown = underlying as? SocketAddressError.UnknownHost {
            reason = "cannot resolve host '\(unknown.host)': \(unknown.errorDescription.lowercased())"
        } else {
            reason = "\(underlying)"
        }
    }

    public var description: String { "cannot listen on \(endpoint) for --metrics: \(reason)" }
}

/// One request at a time per connection (the pipeline's pipelining assistance orders them).
final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let routes: MetricsRoutes
    private var head: HTTPRequestHead?

    init(routes: MetricsRoutes) { self.routes = routes }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request):
            head = request
        case .body:
            break
        case .end:
            guard let request = head else { return }
            head = nil
            respond(to: request, context: context)
        }
    }

    private func respond(to request: HTTPRequestHead, context: ChannelHandlerContext) {
        let response = routes.respond(method: request.method, uri: request.uri,
                                      accept: request.headers["accept"].joined(separator: ","))
        let body = context.channel.allocator.buffer(string: response.body)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: response.status,
                                                             headers: headers))), promise: nil)
        if request.method != .HEAD { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            written.whenComplete { _ in bound.value.close(promise: nil) }
        }
    }
}
