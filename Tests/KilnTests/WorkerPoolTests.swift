// The C worker pool on its own: every tile of every dispatch runs exactly
// once, on the worker its static share names, whether the workers were
// spinning or parked, for every pool size, tile count and worker cap.

import CKiln
import Glibc
import Testing

/// Per tile: how many times it ran, and which worker ran it last. Tiles are
/// disjoint between workers, so the writes never race.
nonisolated(unsafe) private let tileCounts = UnsafeMutablePointer<UInt32>.allocate(capacity: 4096)
nonisolated(unsafe) private let tileWorkers = UnsafeMutablePointer<UInt32>.allocate(capacity: 4096)

@Suite(.serialized) struct WorkerPoolTests {
    let countTiles: KilnCPUFunction = { state in
        let s = state!.pointee
        for tile in Int(s.tileBegin)..<Int(s.tileEnd) {
            tileCounts[tile] += 1
            tileWorkers[tile] = s.workerIndex
        }
    }

    @Test(arguments: [1, 2, 3, 4])
    func everyTileRunsOnceOnItsStaticWorker(_ workers: Int) throws {
        var prototype = KilnDispatchState(
            arena: nil, scratch: nil, dims: nil, tileBegin: 0, tileEnd: 0, workerIndex: 0, workerCount: 1)
        let pool = try #require(kiln_pool_create(UInt32(workers), &prototype, 0))
        defer { kiln_pool_destroy(pool) }
        #expect(kiln_pool_worker_count(pool) == UInt32(workers))
        for round in 0..<200 {
            let tiles = [0, 1, 2, 3, 5, 17, 1000, 4096][round % 8]
            let cap = 1 + round % 5
            tileCounts.initialize(repeating: 0, count: 4096)
            kiln_pool_run(pool, countTiles, UInt32(tiles), UInt32(cap))
            let active = min(workers, cap, max(tiles, 1))
            for tile in 0..<tiles {
                #expect(tileCounts[tile] == 1, "round \(round): tile \(tile) of \(tiles) ran \(tileCounts[tile]) times")
                // Worker w owns tiles [tiles·w/active, tiles·(w+1)/active).
                let owner = (0..<active).first { tile < tiles * ($0 + 1) / active }.map(UInt32.init)
                #expect(tileWorkers[tile] == owner)
            }
            #expect(tiles == 4096 || tileCounts[tiles] == 0, "a tile past the end ran")
            // Now and then let the workers park, so waking them is tested too.
            if round % 50 == 49 { usleep(5000) }
        }
    }

    /// A dispatch a bounded dim trims keeps the first `active` tiles of each
    /// run of `period`: each of those runs once, no other tile runs, and the
    /// kept tiles are shared as evenly as a plain dispatch's.
    @Test(arguments: [1, 2, 3])
    func aTrimmedDispatchRunsTheKeptPrefixOfEveryRun(_ workers: Int) throws {
        var prototype = KilnDispatchState(
            arena: nil, scratch: nil, dims: nil, tileBegin: 0, tileEnd: 0, workerIndex: 0, workerCount: 1)
        let pool = try #require(kiln_pool_create(UInt32(workers), &prototype, 0))
        defer { kiln_pool_destroy(pool) }
        let shapes = [(1, 8, 3), (4, 8, 1), (4, 8, 8), (3, 5, 2), (16, 32, 7), (7, 1, 1), (2, 100, 99), (5, 4, 0)]
        for (round, (runs, period, active)) in shapes.enumerated() {
            tileCounts.initialize(repeating: 0, count: 4096)
            kiln_pool_run_runs(pool, countTiles, UInt32(runs), UInt32(period), UInt32(active), UInt32(workers))
            var perWorker = [Int](repeating: 0, count: workers)
            for tile in 0..<(runs * period) {
                let kept = tile % period < active
                #expect(tileCounts[tile] == (kept ? 1 : 0), "shape \(round): tile \(tile) ran \(tileCounts[tile]) times")
                if kept { perWorker[Int(tileWorkers[tile])] += 1 }
            }
            let total = runs * active
            let busy = min(workers, total)
            for worker in 0..<busy {
                #expect(perWorker[worker] == total * (worker + 1) / busy - total * worker / busy, "shape \(round)")
            }
        }
    }
}
