from .clustered import ClusteredDataset
from .digits import DigitsDataset
from .image_folder import ImageFolderDataset
from .measure import measure_factors, validity_rate
from .partial_labels import PartiallyLabelledDataset
from .rectangles import (RectangleDataset, measure_rectangles,
                         render_rectangles)
from .shapes import ShapesDataset, TwoShapesDataset, render_shapes

__all__ = ['ClusteredDataset', 'DigitsDataset', 'ImageFolderDataset',
           'measure_factors', 'validity_rate', 'PartiallyLabelledDataset',
           'RectangleDataset', 'measure_rectangles', 'render_rectangles',
           'ShapesDataset', 'TwoShapesDataset', 'render_shapes']
