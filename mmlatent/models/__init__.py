"""Networks (``generators``, ``discriminators``), losses, the EMA and the
GAN classes (``gans``, ``base_gan``), each imported on its own: loading a
generator for an app imports ``generators`` alone, not the GAN classes
(mmengine ``BaseModel`` subclasses, whose import takes about 1 s). The
``MODELS`` registry imports all of them when asked for a type it does not
hold yet."""
