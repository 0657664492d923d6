// Optimisers update a module's parameters: importing MyelinOptim brings MyelinNN and MyelinTensor along.
@_exported import MyelinNN
