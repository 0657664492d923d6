// Data sets hand out tensors: importing MyelinData brings MyelinTensor along. Being exported, it is
// also seen by every file of this module, so all of them use MyelinTensor's message-keeping
// `precondition` (GZip and IDX import only Foundation and zlib).
@_exported import MyelinTensor
