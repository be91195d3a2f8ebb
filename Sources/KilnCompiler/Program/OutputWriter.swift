// Writes generated files only when their content changed, so a rebuild of
// kilnc does not force every model's consumers to recompile.

import Foundation

/// Writes a file unless it already holds exactly this content.
public enum OutputWriter {
    /// Returns true when the file was (re)written.
    @discardableResult
    public static func write(_ data: Data, to path: String) throws -> Bool {
        if let existing = FileManager.default.contents(atPath: path), existing == data { return false }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        return true
    }

    @discardableResult
    public static func write(_ text: String, to path: String) throws -> Bool {
        try write(Data(text.utf8), to: path)
    }
}
