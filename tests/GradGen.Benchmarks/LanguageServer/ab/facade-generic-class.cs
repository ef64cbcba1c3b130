// Measurement only (variants.py shimg): a generic class whose methods are not generic.

namespace Scale
{
    internal static class AdjointG<E> where E : System.Numerics.IFloatingPointIeee754<E>
    {
        public static void Identity(System.Numerics.Tensors.Tensor<E> dY, System.Numerics.Tensors.Tensor<E> into, bool overwrite = false) => global::GradGen.Adjoint.Identity(dY, into, overwrite);
        public static void MatMulLeft(System.Numerics.Tensors.Tensor<E> dY, System.Numerics.Tensors.Tensor<E> b, System.Numerics.Tensors.Tensor<E> into, bool overwrite = false) => global::GradGen.Adjoint.MatMulLeft(dY, b, into, overwrite);
        public static void MatMulRight(System.Numerics.Tensors.Tensor<E> a, System.Numerics.Tensors.Tensor<E> dY, System.Numerics.Tensors.Tensor<E> into, bool overwrite = false) => global::GradGen.Adjoint.MatMulRight(a, dY, into, overwrite);
        public static void Mean(E dS, System.Numerics.Tensors.Tensor<E> into) => global::GradGen.Adjoint.Mean(dS, into);
        public static void Multiply(System.Numerics.Tensors.Tensor<E> dY, System.Numerics.Tensors.Tensor<E> other, System.Numerics.Tensors.Tensor<E> into) => global::GradGen.Adjoint.Multiply(dY, other, into);
        public static System.Numerics.Tensors.Tensor<E> Reduce(System.Numerics.Tensors.Tensor<E> dY, System.Numerics.Tensors.Tensor<E> like) => global::GradGen.Adjoint.Reduce(dY, like);
        public static void Relu(System.Numerics.Tensors.Tensor<E> dY, System.Numerics.Tensors.Tensor<E> x, System.Numerics.Tensors.Tensor<E> into, bool overwrite = false) => global::GradGen.Adjoint.Relu(dY, x, into, overwrite);
        public static void Tanh(System.Numerics.Tensors.Tensor<E> dY, System.Numerics.Tensors.Tensor<E> y, System.Numerics.Tensors.Tensor<E> into, bool overwrite = false) => global::GradGen.Adjoint.Tanh(dY, y, into, overwrite);
        public static void SoftmaxCrossEntropy(E dL, System.Numerics.Tensors.Tensor<E> logits, int[] targets, System.Numerics.Tensors.Tensor<E> into, bool overwrite = false) => global::GradGen.Adjoint.SoftmaxCrossEntropy(dL, logits, targets, into, overwrite);
        public static System.Numerics.Tensors.Tensor<E> Uninitialized(System.Numerics.Tensors.Tensor<E> like) => global::GradGen.Adjoint.Uninitialized(like);
    }
    internal static class OpsG<E> where E : System.Numerics.IFloatingPointIeee754<E>
    {
        public static System.Numerics.Tensors.Tensor<E> MatMul(System.Numerics.Tensors.Tensor<E> a, System.Numerics.Tensors.Tensor<E> b) => global::GradGen.Ops.MatMul(a, b);
        public static E Mean(System.Numerics.Tensors.Tensor<E> x) => global::GradGen.Ops.Mean(x);
        public static System.Numerics.Tensors.Tensor<E> OperatorAdd(System.Numerics.Tensors.Tensor<E> a, System.Numerics.Tensors.Tensor<E> b) => global::GradGen.Ops.OperatorAdd(a, b);
        public static System.Numerics.Tensors.Tensor<E> OperatorMultiply(System.Numerics.Tensors.Tensor<E> a, System.Numerics.Tensors.Tensor<E> b) => global::GradGen.Ops.OperatorMultiply(a, b);
        public static System.Numerics.Tensors.Tensor<E> Relu(System.Numerics.Tensors.Tensor<E> x) => global::GradGen.Ops.Relu(x);
        public static System.Numerics.Tensors.Tensor<E> Tanh(System.Numerics.Tensors.Tensor<E> x) => global::GradGen.Ops.Tanh(x);
        public static E SoftmaxCrossEntropy(System.Numerics.Tensors.Tensor<E> logits, int[] t) => global::GradGen.Ops.SoftmaxCrossEntropy(logits, t);
        public static System.Numerics.Tensors.Tensor<E> ZerosLike(System.Numerics.Tensors.Tensor<E> x) => global::GradGen.Ops.ZerosLike(x);
    }
    internal static class WorkspaceG<E> where E : System.Numerics.IFloatingPointIeee754<E>
    {
        public static void Release(System.Numerics.Tensors.Tensor<E> x) => global::GradGen.Workspace.Release(x);
    }
}
