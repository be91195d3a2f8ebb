// What is at a path, asked once, so every command reports a missing file,
// a folder where a file belongs and a file where a folder belongs in the
// same plain words instead of a Foundation error.

import Foundation

/// What a path names.
public enum FileKind: Sendable, Equatable {
    case missing
    case file
    case folder

    /// What is at `path` (following symbolic links).
    public init(atPath path: String) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            self = .missing
            return
        }
        self = isDirectory.boolValue ? .folder : .file
    }
}
