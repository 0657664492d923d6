// Explaining and attacking a classifier works on its tensors, layers and data: importing
// MyelinExplain brings them along.
@_exported import MyelinData
@_exported import MyelinNN
