// Test helper: runs libnorm's own RS8 encoder (linked from Debian's libnorm.a)
// so that plugins/norm/internal/fec can be compared with it byte for byte.
// Only the class's interface is declared here, to link against the library.
#include <cstdio>
#include <cstdlib>
#include <vector>

class NormEncoder {
public:
    virtual ~NormEncoder();
    virtual bool Init(unsigned int numData, unsigned int numParity, unsigned short vectorSize) = 0;
    virtual void Destroy() = 0;
    virtual void Encode(unsigned int segmentId, const char* dataVector, char** parityVectorList) = 0;
};
class NormEncoderRS8 : public NormEncoder {
public:
    NormEncoderRS8();
    ~NormEncoderRS8();
    virtual bool Init(unsigned int numData, unsigned int numParity, unsigned short vectorSize);
    virtual void Destroy();
    virtual void Encode(unsigned int segmentId, const char* dataVector, char** parityVectorList);
private:
    unsigned int ndata, npar, vector_size;
    unsigned char* enc_matrix;
};

// stdin: ndata npar blockLen vecSize as text, then blockLen*vecSize raw bytes.
// stdout: npar*vecSize raw parity bytes, in libnorm's order.
int main() {
    unsigned int ndata, npar, blockLen, vecSize;
    if (scanf("%u %u %u %u", &ndata, &npar, &blockLen, &vecSize) != 4) return 2;
    getchar();
    std::vector<char> data(blockLen * vecSize);
    if (fread(data.data(), 1, data.size(), stdin) != data.size()) return 3;
    NormEncoderRS8* enc = new NormEncoderRS8();
    if (!enc->Init(ndata, npar, (unsigned short)vecSize)) return 4;
    std::vector<std::vector<char>> parity(npar, std::vector<char>(vecSize, 0));
    std::vector<char*> list(npar);
    for (unsigned int i = 0; i < npar; i++) list[i] = parity[i].data();
    for (unsigned int s = 0; s < blockLen; s++) enc->Encode(s, data.data() + s * vecSize, list.data());
    for (unsigned int i = 0; i < npar; i++) fwrite(parity[i].data(), 1, vecSize, stdout);
    delete enc;
    return 0;
}
