#include "engine/base/worker_thread.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace base {
namespace {

[[noreturn]] void Die(const char* what, int err) {
  std::fprintf(stderr, "berth: %s: %s\n", what, std::strerror(err));
  std::abort();
}

}  // namespace

WorkerThread::WorkerThread(std::function<void()> fn, size_t stack_size)
    : fn_(std::move(fn)), stack_size_(stack_size) {
  // One PROT_NONE page below the stack: an overflow faults instead of
  // writing over whatever is mapped there (glibc adds no guard to a stack
  // the caller provides).
  const size_t guard = 4096;
  stack_size_ += guard;
  stack_ = ::mmap(nullptr, stack_size_, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack_ == MAP_FAILED) Die("mmap thread stack", errno);
  if (::mprotect(stack_, guard, PROT_NONE) != 0) Die("mprotect stack guard", errno);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  int err = pthread_attr_setstack(&attr, static_cast<char*>(stack_) + guard, stack_size_ - guard);
  if (err == 0) err = pthread_create(&thread_, &attr, &WorkerThread::Run, this);
  pthread_attr_destroy(&attr);
  if (err != 0) Die("create thread", err);
}

WorkerThread::~WorkerThread() { Join(); }

void* WorkerThread::Run(void* self) {
  static_cast<WorkerThread*>(self)->fn_();
  return nullptr;
}

void WorkerThread::Join() {
  if (joined_) return;
  pthread_join(thread_, nullptr);
  ::munmap(stack_, stack_size_);
  joined_ = true;
}

}  // namespace base
