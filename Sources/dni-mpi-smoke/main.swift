#if MPI
import DNIMPI
print("hello")
#else
print("dni-mpi-smoke: built without the package trait MPI (swift build --traits MPI); see docs/mpi.md")
#endif
