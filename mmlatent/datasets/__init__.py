from .caption_file import CAPTION_FILE, read_caption_file
from .captioned_shapes import CaptionedShapesDataset
from .captions import parse_prompt
from .clustered import ClusteredDataset
from .digits import DigitsDataset
from .image_folder import ImageFolderDataset
from .measure import measure_factors, validity_rate
from .partial_labels import PartiallyLabelledDataset
from .rectangles import (RectangleDataset, measure_rectangles,
                         render_rectangles)
from .shapes import ShapesDataset, TwoShapesDataset, render_shapes

__all__ = ['CAPTION_FILE', 'read_caption_file', 'CaptionedShapesDataset',
           'parse_prompt', 'ClusteredDataset', 'DigitsDataset',
           'ImageFolderDataset', 'measure_factors', 'validity_rate',
           'PartiallyLabelledDataset', 'RectangleDataset',
           'measure_rectangles', 'render_rectangles',
           'ShapesDataset', 'TwoShapesDataset', 'render_shapes']
