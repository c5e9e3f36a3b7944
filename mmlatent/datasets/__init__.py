from .digits import DigitsDataset
from .image_folder import ImageFolderDataset
from .measure import measure_factors, validity_rate
from .shapes import ShapesDataset, TwoShapesDataset, render_shapes

__all__ = ['DigitsDataset', 'ImageFolderDataset', 'measure_factors',
           'validity_rate', 'ShapesDataset', 'TwoShapesDataset',
           'render_shapes']
