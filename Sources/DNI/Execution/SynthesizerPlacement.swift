/// Where the synthesizers at a boundary between two stage groups learn, in a pipeline whose
/// groups share memory. Every placement gives the same results (the synthesizer's predictions
/// and learning steps keep the sequential order, through a ``SynthesizerTurn``); only the
/// balance between the groups changes, which matters because the synthesizers' learning steps
/// can cost more than the stages themselves.
public enum SynthesizerPlacement: Sendable, Equatable, CaseIterable {
    /// Every synthesizer learns on its own stage's group; the target of the lower group's top
    /// synthesizer comes down as a message.
    case own
    /// The lower group's top synthesizer learns on the group above, where its target is computed.
    case above
    /// The upper group's first synthesizer also learns on the group below (its targets come down
    /// as messages); the upper group must hold at least two stages.
    case below
}
