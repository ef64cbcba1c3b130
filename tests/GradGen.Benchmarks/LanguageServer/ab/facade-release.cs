// Measurement only (variants.py releaseobj): Workspace.Release as a non-generic method of object.
namespace Scale
{
    internal static class ReleaseO
    {
        public static void Release(object tensor) => global::GradGen.Workspace.Release((global::System.Numerics.Tensors.Tensor<float>)tensor);
    }
}
