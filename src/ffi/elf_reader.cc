/*
 * The ELF reader: a 64-bit shared library's sections, read from the file into memory, with
 * every offset checked against the file size (the file may be anything).
 */
#include "ffi/elf_reader.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace tvm {
namespace ffi {
namespace {

/*! \brief A whole ELF file in memory; `sections` is empty if it is not a readable ELF64. */
class ElfImage {
 public:
  explicit ElfImage(const std::string& path) {
    ReadFile(path);
    if (size_ < sizeof(Elf64_Ehdr) || std::memcmp(data_.get(), ELFMAG, SELFMAG) != 0 ||
        data_[EI_CLASS] != ELFCLASS64) {
      return;
    }
    auto* ehdr = reinterpret_cast<const Elf64_Ehdr*>(data_.get());
    uint64_t table_size = static_cast<uint64_t>(ehdr->e_shnum) * sizeof(Elf64_Shdr);
    if (!Fits(ehdr->e_shoff, table_size)) return;
    auto* first = reinterpret_cast<const Elf64_Shdr*>(data_.get() + ehdr->e_shoff);
    sections_.assign(first, first + ehdr->e_shnum);
  }

  const std::vector<Elf64_Shdr>& sections() const { return sections_; }

  /*! \brief Whether [offset, offset + size) lies in the file; no addition that could wrap. */
  bool Fits(uint64_t offset, uint64_t size) const {
    return offset <= size_ && size <= size_ - offset;
  }

  /*! \brief The section's bytes, or nullptr when they lie outside the file. */
  const char* Contents(const Elf64_Shdr& section) const {
    if (!Fits(section.sh_offset, section.sh_size)) return nullptr;
    return data_.get() + section.sh_offset;
  }

  /*! \brief The string at `offset` of the string table section `link`, or nullptr. */
  const char* String(uint32_t link, uint64_t offset) const {
    if (link >= sections_.size()) return nullptr;
    const Elf64_Shdr& table = sections_[link];
    const char* base = Contents(table);
    if (base == nullptr || offset >= table.sh_size) return nullptr;
    // The string must end inside its table.
    if (std::memchr(base + offset, '\0', table.sh_size - offset) == nullptr) return nullptr;
    return base + offset;
  }

 private:
  /*! \brief The file's bytes in one read (every module load reads one: a byte-wise stream
   *  read cost more than the dlopen); empty when it cannot be read. */
  void ReadFile(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat info;
    if (fstat(fd, &info) == 0 && info.st_size > 0) {
      size_t capacity = static_cast<size_t>(info.st_size);
      data_.reset(new char[capacity]);  // not zero-filled: read() fills it
      while (size_ < capacity) {
        ssize_t got = read(fd, data_.get() + size_, capacity - size_);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;  // a file that shrank meanwhile: what was there
        size_ += static_cast<size_t>(got);
      }
    }
    close(fd);
  }

  std::unique_ptr<char[]> data_;
  size_t size_ = 0;  // bytes read into data_
  std::vector<Elf64_Shdr> sections_;
};

}  // namespace

std::vector<std::string> ListElfDefinedSymbols(const std::string& path, const std::string& prefix) {
  std::vector<std::string> names;
  ElfImage image(path);
  for (const Elf64_Shdr& section : image.sections()) {
    if (section.sh_type != SHT_DYNSYM) continue;
    auto* symbols = reinterpret_cast<const Elf64_Sym*>(image.Contents(section));
    if (symbols == nullptr) continue;
    size_t count = section.sh_size / sizeof(Elf64_Sym);
    for (size_t i = 0; i < count; ++i) {
      if (symbols[i].st_shndx == SHN_UNDEF) continue;
      const char* name = image.String(section.sh_link, symbols[i].st_name);
      if (name != nullptr && std::strncmp(name, prefix.c_str(), prefix.size()) == 0) {
        names.emplace_back(name + prefix.size());
      }
    }
  }
  return names;
}

std::vector<std::string> ListElfNeeded(const std::string& path) {
  std::vector<std::string> needed;
  ElfImage image(path);
  for (const Elf64_Shdr& section : image.sections()) {
    if (section.sh_type != SHT_DYNAMIC) continue;
    auto* entries = reinterpret_cast<const Elf64_Dyn*>(image.Contents(section));
    if (entries == nullptr) continue;
    size_t count = section.sh_size / sizeof(Elf64_Dyn);
    for (size_t i = 0; i < count && entries[i].d_tag != DT_NULL; ++i) {
      if (entries[i].d_tag != DT_NEEDED) continue;
      const char* name = image.String(section.sh_link, entries[i].d_un.d_val);
      if (name != nullptr) needed.emplace_back(name);
    }
  }
  return needed;
}

}  // namespace ffi
}  // namespace tvm
