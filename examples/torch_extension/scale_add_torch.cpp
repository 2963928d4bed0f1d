// alpha * x + y as a PyTorch extension (torch.utils.cpp_extension.load_inline).
#include <torch/extension.h>

torch::Tensor scale_add(torch::Tensor x, torch::Tensor y, double alpha) {
  TORCH_CHECK(x.sizes() == y.sizes(), "scale_add: x and y differ in shape");
  TORCH_CHECK(x.scalar_type() == y.scalar_type(), "scale_add: x and y differ in dtype");
  TORCH_CHECK(x.is_contiguous() && y.is_contiguous(), "scale_add: expects contiguous tensors");
  torch::Tensor out = torch::empty_like(x);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "scale_add", [&] {
    const scalar_t* a = x.data_ptr<scalar_t>();
    const scalar_t* b = y.data_ptr<scalar_t>();
    scalar_t* result = out.data_ptr<scalar_t>();
    for (int64_t i = 0; i < x.numel(); ++i) result[i] = static_cast<scalar_t>(alpha) * a[i] + b[i];
  });
  return out;
}
