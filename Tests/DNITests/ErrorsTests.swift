import DNI
import Testing

@Suite struct ErrorsTests {
    @Test func inputErrorDescribesItself() {
        #expect(InputError("--bits must be at least 1").description == "--bits must be at least 1")
    }
}
