import Foundation
import Logging
import ServiceLifecycle

/// Puts jobs whose lease ran out back in the queue, now and then.
public struct LeaseKeeper: Service {
    public var queue: JobQueue
    public var interval: Duration
    public var logger: Logger

    public init(queue: JobQueue, interval: Duration = .seconds(5), logger: Logger) {
        self.queue = queue
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if let count = try? queue.requeueExpired(), count > 0 {
                logger.info("lease.requeued", metadata: ["lease.jobs": "\(count)"])
            }
            try? await cancelOnGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
